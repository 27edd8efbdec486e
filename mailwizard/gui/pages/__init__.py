"""One module per part of the flow; each page is thin and asks the core. The wizard imports
a page's module when the page is first needed (see PAGE_CLASSES in gui/wizard.py)."""
