# bench.mk — benchmarks, included from the top-level Makefile (`-include bench/bench.mk`);
# uses its BUILD, CC, CFLAGS, LDFLAGS and LDLIBS. See bench/README.md.
#   make bench          every benchmark
#   make bench-parse    time loading each corpus case (tests/corpus/NAME.cmd) against 1 ms
#   make bench-boot     boot time under QEMU TCG: direct, through kxboot, through GRUB (bench/boot)
#   make bench-image    sizes of kxboot.vmlinuz, kxboot.initrd and its cpio (bench/image)
#   make bench-fetch    kxboot fetch over HTTP(S) and TFTP (bench/fetch-http.sh, fetch-tftp.sh)
#   make bench-fetch-tftp  TFTP alone: loopback, then through bench/udp-delay (latency)
# BENCH_PARSE_ARGS passes options to bench/parse ("--match grub --min-time 1");
# KXBOOT_CORPUS in the environment names the corpus (default ../shared/corpus).
# bench-boot reads BENCH_RUNS, BENCH_TIMEOUT, BENCH_ACCEL, BENCH_DISK_IF, BENCH_KEEP and
# BENCH_DEBUG_RUN from the environment (see bench/boot).
# Benchmarks print figures and never fail on time.

BENCH_PARSE_ARGS ?=

$(BUILD)/bench/parse: bench/parse.c $(BUILD)/libkxboot.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ bench/parse.c $(BUILD)/libkxboot.a $(LDLIBS)

# A UDP relay that delays each datagram (a stand-in for tc-netem) for bench/fetch-tftp.sh.
$(BUILD)/bench/udp-delay: bench/udp-delay.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ bench/udp-delay.c

bench-parse: $(BUILD)/bench/parse
	$(BUILD)/bench/parse $(BENCH_PARSE_ARGS)

bench-boot: image
	bench/boot $(BUILD)

bench-image: image
	bench/image $(BUILD)

bench: bench-parse bench-image bench-boot

-include $(BUILD)/bench/parse.d $(BUILD)/bench/udp-delay.d

.PHONY: bench bench-parse bench-boot bench-image

# Fetching: kxboot fetch (SHA-256 verified) against curl(+sha256sum) over HTTP(S), and
# windowed TFTP against lockstep and the tftp-hpa client, on loopback and through udp-delay
# (a 2 ms round trip by default); bench-fetch-tftp runs the TFTP part alone. fetch-tftp.sh
# reads REPEAT, SIZE_MIB, LAT_SIZE_MIB and DELAYS_US from the environment.
bench-fetch: $(BUILD)/kxboot $(BUILD)/bench/udp-delay
	bench/fetch-http.sh $(BUILD)
	bench/fetch-tftp.sh $(BUILD)

bench-fetch-tftp: $(BUILD)/kxboot $(BUILD)/bench/udp-delay
	bench/fetch-tftp.sh $(BUILD)

bench: bench-fetch
.PHONY: bench-fetch bench-fetch-tftp
