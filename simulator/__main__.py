from simulator.tui.launch import main

raise SystemExit(main())
