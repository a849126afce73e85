"""Knowledge assistant for grid workers (南小格): answers with citations from district documents.

Public entry points (see each module's docstring):

* :func:`civicgrid.assistant.ingest.read_document`: a file -> a Document and its Passages;
* :class:`civicgrid.assistant.index.KnowledgeIndex`: add/remove documents, search, save/load;
* :func:`civicgrid.assistant.answering.ask`: a question -> an Answer with citations;
* :func:`civicgrid.assistant.evaluation.evaluate_files`: retrieval figures from two files.
"""
