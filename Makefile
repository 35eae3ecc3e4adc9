# The two commands a newcomer needs (see README.md):
#   make demo   install jixiao, lint the shipped templates and build every blank form into dist/
#   make test   install what the tests need (LibreOffice, PostgreSQL, Python test deps) and run them
PYTHON ?= python3

.PHONY: demo test install install-test system-deps lint bench fuzz

install:
	$(PYTHON) -m pip install -q -e .

install-test:
	$(PYTHON) -m pip install -q -e '.[test]'

system-deps:
	bash scripts/install-system-deps.sh

demo: install
	jixiao lint templates/
	jixiao build templates/ --out dist/ --force

test: system-deps install-test
	$(PYTHON) -m ruff check generator tests calc bench scripts
	$(PYTHON) -m pytest

# Province-scale bench (2,000 departments; ~10 min on 2 cores): rewrites bench/RESULTS.md.
# Smaller: make bench BENCH_ARGS="--n 200 --lo 5"
bench: install
	$(PYTHON) -m bench $(BENCH_ARGS)

# Fuzzing campaigns (fuzz/RESULTS.md): FUZZ_N inputs per target, one worker at a time,
# each input under an address-space, CPU and 10 s wall limit. One target: make fuzz FUZZ_TARGETS=lint
FUZZ_N ?= 100000
FUZZ_TARGETS ?= verify dataset lint
fuzz: install
	for t in $(FUZZ_TARGETS); do nice -n 10 $(PYTHON) -m fuzz --n $(FUZZ_N) --target $$t --results fuzz/RESULTS.md || exit 1; done
