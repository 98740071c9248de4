"""The file formats Maillage reads and writes: workbooks, the importer, the
data·inclusion export. Built on the headless core (`models`), never on Flask."""
