# Two commands a new user needs: `make demo` and `make test`. Both create .venv/ and
# install yusuan into it from this folder (only Python 3.11+, pip and make needed).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test bench seed-pdfs install clean

# extract/_loops.c: the optional C loops are built at install, so a change to them reinstalls;
# the module built in the tree before is removed first (the editable install imports it, and
# a failed build of the optional loops only warns: an old one must not stay in use).
$(BIN)/yusuan: pyproject.toml extract/_loops.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	rm -f extract/_loops*.so
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/yusuan

demo: install
	$(BIN)/yusuan extract samples/000_b1fb1c67835c9330.txt -o out/demo

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run.py

# PDFs of the seed documents in their 2018 layout (ruled cells, merged headers, tables
# over pages; one copy in 万元), made by tests/pdfgen.py from what the text path reads.
seed-pdfs: install
	$(BIN)/python tests/pdfgen.py out/seed-pdfs

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache extract/_loops*.so
