"""Request understanding (诉求智能识别): category, key facts, unit, repeats; offline first.

Entry point for other packages: :func:`civicgrid.nlp.service.suggest`. Modules:

* ``normalise``: NFKC, invisible characters, traditional->simplified, offset map back;
* ``facts`` (with ``times``, ``address_mentions``, ``entities``, ``hazards``): key facts with
  spans in code points of the original text, and the priority hazards give;
* ``textmodel``: the calibrated NBSVM text classifier, on features built for a whole batch
  with numpy by ``grams`` (hashed character n-grams, TF-IDF) and ``words`` (jieba's
  dictionary and route); ``classifier``: categories with a triage threshold; ``routing``:
  rules and a learned unit router;
* ``repeats``: the repeat finder; ``llm_opinion``: optional LLM extraction and second opinion;
* ``evaluation``, ``datasets``: figures and labelled files; ``generated``: a labelled,
  generated stream for demos and tests;
* ``cli`` (``civicgrid nlp``) and ``routing_cli`` (``civicgrid route``).
"""
