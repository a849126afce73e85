"""The generated demo: accounts and a stream of cases, every row labelled as generated."""
