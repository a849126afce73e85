"""Insights: recurring problem classes (一类事), hot issues, governance effect and reports.

Pure library functions with plain inputs and outputs; the database, pages and dashboard call
them. Modules:

* :mod:`.terms` – Chinese tokenisation with the boilerplate of petitions removed.
* :mod:`.features` – tf-idf over words and character n-grams, reduced by truncated SVD.
* :mod:`.mining` – density clustering of cases into classes with readable labels.
* :mod:`.lineage` – stable class ids across runs and staff decisions (rename, merge, split).
* :mod:`.heat` – heat index of each class and the hot-issue list.
* :mod:`.effect` – whether a class's cases changed after a governance ticket, beyond chance.
* :mod:`.heatmap` – counts by region, category and time range; H3 hexagons.
* :mod:`.reports` – weekly, monthly and quarterly reports as DOCX and XLSX.
* :mod:`.evaluation` – agreement (adjusted Rand index) with a hand-labelled sample.
* :mod:`.cli` – the ``civicgrid classes`` commands.
"""
