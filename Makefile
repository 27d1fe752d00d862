# The two commands of the README.
.PHONY: book test bench

book:   ## set up, then build the sample book into build/
	scripts/setup
	.venv/bin/herpress build .

test:   ## set up, then run the whole test suite
	scripts/setup --test
	.venv/bin/python -m pytest -q

bench:  ## the benchmark (see bench/README.md)
	scripts/setup --test
	.venv/bin/python bench/run.py
