# bench.mk — benchmarks, included from the top-level Makefile (`-include bench/bench.mk`);
# uses its BUILD, CC, CFLAGS, LDFLAGS and LDLIBS. See bench/README.md.
#   make bench          every benchmark
#   make bench-parse    time loading each corpus case (tests/corpus/NAME.cmd) against 1 ms
# BENCH_PARSE_ARGS passes options to bench/parse ("--match grub --min-time 1");
# KXBOOT_CORPUS in the environment names the corpus (default ../shared/corpus).
# Benchmarks print figures and never fail on time.

BENCH_PARSE_ARGS ?=

$(BUILD)/bench/parse: bench/parse.c $(BUILD)/libkxboot.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ bench/parse.c $(BUILD)/libkxboot.a $(LDLIBS)

bench-parse: $(BUILD)/bench/parse
	$(BUILD)/bench/parse $(BENCH_PARSE_ARGS)

bench: bench-parse

-include $(BUILD)/bench/parse.d

.PHONY: bench bench-parse
