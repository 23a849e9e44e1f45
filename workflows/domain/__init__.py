"""The rules of grid governance as plain Python: who is who (org tree, permissions), what a
case is (catalog, statuses, events), how long things may take (calendar, deadlines), what the
diagrams may say (property contract, BPMN functions) and what an answer must satisfy."""
