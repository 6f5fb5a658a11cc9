"""Starting points written by ``simulator new``: valid, playable, and commented."""

from __future__ import annotations

_EN = """\
# yaml-language-server: $schema={schema}
# A new scenario. Reference: docs/scenario-format.md
#   check it:  simulator validate THIS_FILE
#   test it:   simulator test THIS_FILE
kind: scenario
id: {id}
version: "1"
title: A late delivery
language: en
summary: A customer's parcel is three days late and nobody called them.
difficulty: easy
tags: [delivery]
customer:
  name: Sam Carter
  situation: Ordered a birthday present a week ago; the parcel is three days late.
  lifetime_value: standard
  patience: 3
  mood: 25
context: >
  You answer the phone at the delivery company's customer desk.
goals:
  - Acknowledge the delay before anything else.
  - Commit to a concrete fix with a time.
scoring:
  packs: [last-word-en, concrete-fix-en, acknowledge-en, five-steps-en]
nodes:
  - id: opening
    customer:
      - "My parcel was due on Monday. It's Thursday. Where is it?"
    hint: Say sorry for the delay, then say what you will do and when.
    transitions:
      - when:
          fired: [last_word]
        goto: angrier
      - when:
          fired: [concrete_fix]
        goto: details
      - goto: angrier
  - id: angrier
    customer:
      - "Don't give me excuses. I want my parcel or my money back."
    hint: Drop the excuses; offer a remedy with a time.
    transitions:
      - when:
          fired: [concrete_fix]
          not_fired: [last_word]
        goto: details
      - when:
          fired: [last_word]
        goto: lost
      - goto: escalated
  - id: details
    customer:
      - "Fine. And how do I know it will actually arrive this time?"
    hint: Name who follows up and when.
    transitions:
      - when:
          not_fired: [last_word]
          score_min: 50
        goto: kept
      - goto: angrier
endings:
  - id: kept
    outcome: kept
    title: The customer stays
    customer: ["Alright. Thank you for sorting it out."]
    debrief: You owned the delay and gave a result with a time.
  - id: lost
    outcome: lost
    title: The customer leaves
    customer: ["Forget it. I'll order somewhere else."]
    debrief: The last word won the exchange and lost the customer.
  - id: escalated
    outcome: escalated
    title: The customer asks for a manager
    debrief: Without a concrete fix, the complaint went over your head.
tips:
  - Acknowledge first, then fix, then give a time.
examples:
  - reply: "I'm sorry it's late. I'll send a replacement by courier today, before 6 pm."
    fires: [acknowledge, concrete_fix]
    not_fires: [last_word]
    next: details
  - reply: "You should have chosen express delivery."
    fires: [last_word]
    next: angrier
"""

_FR = """\
# yaml-language-server: $schema={schema}
# Un nouveau scénario. Référence : docs/scenario-format.md
#   vérifier : simulator validate CE_FICHIER
#   tester :   simulator test CE_FICHIER
kind: scenario
id: {id}
version: "1"
title: Une livraison en retard
language: fr
summary: Le colis d'un client a trois jours de retard et personne ne l'a prévenu.
difficulty: easy
tags: [livraison]
customer:
  name: Camille Martin
  situation: A commandé un cadeau d'anniversaire il y a une semaine ; le colis a trois jours de retard.
  lifetime_value: standard
  patience: 3
  mood: 25
context: >
  Vous répondez au téléphone au service client du transporteur.
goals:
  - Reconnaître le retard avant toute chose.
  - S'engager sur une solution concrète, avec un délai.
scoring:
  packs: [last-word-fr, concrete-fix-fr, acknowledge-fr, five-steps-fr]
nodes:
  - id: ouverture
    customer:
      - "Mon colis devait arriver lundi. On est jeudi. Il est où ?"
    hint: Excusez-vous pour le retard, puis dites ce que vous faites et quand.
    transitions:
      - when:
          fired: [last_word]
        goto: enerve
      - when:
          fired: [concrete_fix]
        goto: details
      - goto: enerve
  - id: enerve
    customer:
      - "Je ne veux pas d'excuses. Je veux mon colis ou mon argent."
    hint: Laissez les justifications ; proposez une solution avec un délai.
    transitions:
      - when:
          fired: [concrete_fix]
          not_fired: [last_word]
        goto: details
      - when:
          fired: [last_word]
        goto: perdu
      - goto: escalade
  - id: details
    customer:
      - "Bon. Et qu'est-ce qui me dit qu'il arrivera cette fois ?"
    hint: Dites qui assure le suivi, et quand.
    transitions:
      - when:
          not_fired: [last_word]
          score_min: 50
        goto: garde
      - goto: enerve
endings:
  - id: garde
    outcome: kept
    title: Le client reste
    customer: ["Bon. Merci de vous en être occupé."]
    debrief: Vous avez assumé le retard et apporté un résultat, avec un délai.
  - id: perdu
    outcome: lost
    title: Le client s'en va
    customer: ["Laissez tomber. Je commanderai ailleurs."]
    debrief: Le dernier mot a gagné l'échange et perdu le client.
  - id: escalade
    outcome: escalated
    title: Le client demande un responsable
    debrief: Sans solution concrète, la réclamation vous a échappé.
tips:
  - Reconnaître d'abord, régler ensuite, donner un délai enfin.
examples:
  - reply: "Je suis désolé pour ce retard. Je vous renvoie un colis par coursier aujourd'hui, avant 18 h."
    fires: [acknowledge, concrete_fix]
    not_fires: [last_word]
    next: details
  - reply: "Vous auriez dû choisir la livraison express."
    fires: [last_word]
    next: enerve
"""

TEMPLATES = {"en": _EN, "fr": _FR}
