/* minisign_vectors.h — keys, signatures and manifests made by the real minisign 0.11 (Debian 12)
 * with tests/unit/gen-minisign-vectors.sh; shared by test_minisign.c, test_manifest.c and
 * the fuzz harnesses. */
#pragma once

#define PUB_A \
	"untrusted comment: minisign public key D4C68576DEA660D4\n" \
	"RWTUYKbedoXG1DeL3NFGeD4TJEmIVSrl0Hq5Btxtw0DOjEhS35qg0wpa\n" \
	""
#define PUB_B \
	"untrusted comment: minisign public key 6582F21291CEF469\n" \
	"RWRp9M6REvKCZV1nPtdoQH7kbL3GuJrXGf51ouJoif47857atlDEnkAB\n" \
	""
#define SIG_MSG_PREHASHED \
	"untrusted comment: signature from minisign secret key\n" \
	"RUTUYKbedoXG1PWQsy+u+y0Wgz3h77H7adgWQQbe+rCOk2v0IYMEfmOr0nuWazU95b/1JNplK9qb37SmVdV6mHSnIXw0gsaB0wc=\n" \
	"trusted comment: kxboot test vector prehashed\n" \
	"CB1RlwKJYK0nRCEupX0vWgCDrCZasGqqQateV97YsYK9378kNXyb9riVFmX0QqZiYuCc5O27UuLr00Gv5F5sDA==\n" \
	""
#define SIG_MSG_LEGACY \
	"untrusted comment: signature from minisign secret key\n" \
	"RWTUYKbedoXG1CaaQRWfZmtdd86IYYwG8sU/kd3y3BP+5d5wloq14f/S2CMY22FgN135KPgojE/ZK9yNxGBOrTGU1lIOtdUFEQ8=\n" \
	"trusted comment: kxboot test vector legacy\n" \
	"4HZ+o/jmT4aBWTeMyTeyVs/uSJVA2eiFk1GVCb23JAhSjcL7KqPXvXwXRT5cF4sYytcTlol5AUoUZbndgD18Cw==\n" \
	""
#define SIG_MSG_BY_B \
	"untrusted comment: signature from minisign secret key\n" \
	"RURp9M6REvKCZTs6yvt2SFIw56Du37SIR6Cwf7DgG8i+8iraJbFs12OTLSmMsV+hiYxMmQqFWP+1rVjZFFQiJB8ONkgc/tAykAc=\n" \
	"trusted comment: kxboot test vector key b\n" \
	"Iye+BQurenVvA3TxCLX+TUnStxntjXf+DD8p9HfBLwkP8pA98ksQ7nOWNP8ISFuQTqLKoBXCUMxUFrWRSix1CA==\n" \
	""
#define SIG_EMPTY_LEGACY \
	"untrusted comment: signature from minisign secret key\n" \
	"RWTUYKbedoXG1MvjHQLXn265/9F53K3EApc0+QmHcRUtgmt464uI1svYlaWZ2ZgHfNoFdwUhauDm8Y/QCG3vI8kPqtoigL/MCwc=\n" \
	"trusted comment: empty file\n" \
	"RmaHU6o850FkYf3BAiDggLyd7P1/QmHffZIb5fWKTOq/l1pkIPeurcC7y8kK67gYashho2e41i/Kv3IHRxksDQ==\n" \
	""
#define SIG_M5 \
	"untrusted comment: signature from minisign secret key\n" \
	"RUTUYKbedoXG1DQIR6/9XnOBZH68qg/KnBiZ/Wp5jfeftSMTsXVW/hUNSkpqXWf1Dx5I9DiIofcZd3zrT4ZI0H/hMM+1v0MofAk=\n" \
	"trusted comment: kxboot manifest m5\n" \
	"kbfsygf0XLDWFbhDZSPur41MaBG39itCE3oRGmW4j89Gor6c1H5y539hE+VBYoLxTaXAggL7B95TjsWVUidTBQ==\n" \
	""
#define SIG_M3 \
	"untrusted comment: signature from minisign secret key\n" \
	"RUTUYKbedoXG1IxtT1iUoAkIfAyGUjCxTuu6xcKp5wU1YXKXWvRyCXTHEfrG991oXVb9Bz+bnj0fkoEkABGAH92vHKGqSkVisg0=\n" \
	"trusted comment: kxboot manifest m3\n" \
	"9ToXPDVlBDZzw+BrKZ/LLO1KVs+YMPN/8OdRa/KLe62YT9LAl+V6qMGb4/1h5NWLSEh3qY1/W4bKUoBZBmZuCA==\n" \
	""
#define SIG_MEXP \
	"untrusted comment: signature from minisign secret key\n" \
	"RUTUYKbedoXG1JTO4esuisrTKQ8QRHvn81uceRYNehdF/f0r6XMqMOe85iDLcpMIRjBmxnL54DQILQlUp6RJk+UHgGQ7BMcfBw4=\n" \
	"trusted comment: kxboot manifest mexp\n" \
	"CfGo4LhNN7h+E4o0OWZyhqo5uz2PtuJ24/6QzFxYh8FzMhFVl2Y4CIrwXutLFOKzwfTOnMM5QDMBMC14BXXkAw==\n" \
	""
#define SIG_MBAD \
	"untrusted comment: signature from minisign secret key\n" \
	"RUTUYKbedoXG1Ol38MySAL8I6mqHwVmuKUwPXJEA7VLhqyIRKAD0Kib8SDPSmAyNaE5aA+75ib13XdN8b3n26jSJ6EtOdzl06go=\n" \
	"trusted comment: kxboot manifest mbad\n" \
	"BRxU2bMbeBOYX5LFLC4JiJnITmwZVsVyKC1Z5MwVOhqi9nsq+7TsF+cNI/QNmA6jEaIgywyJf+mJKpWQbwE0AA==\n" \
	""
#define SIG_M5_BY_B \
	"untrusted comment: signature from minisign secret key\n" \
	"RURp9M6REvKCZcGygfOu2oc+ey/uieo5DKZofkLlifgjJF/YQUc/wcWsPc7RupPAQcmj0egOHc/xmgUzfNSHAKgIgkbw+VQfdA8=\n" \
	"trusted comment: kxboot manifest m5 by b\n" \
	"G7PUDnWLit/gT/rxtDDCMu2gtnipdFvmZV7Wk1l+IqKgGcLonEPtV5/1RdTosHeRGK/XykbE5XMA5lbSX527Dw==\n" \
	""
#define MANIFEST_M5 \
	"{\"version\": 5, \"expires\": \"2099-01-01T00:00:00Z\",\n" \
	" \"targets\": {\"t\": {\"kernel\": {\"url\": \"k\", \"sha256\": \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\", \"size\": 3}}},\n" \
	" \"rules\": [{\"match\": {\"any\": true}, \"target\": \"t\"}]}\n" \
	""
#define MANIFEST_M3 \
	"{\"version\": 3, \"expires\": \"2099-01-01T00:00:00Z\",\n" \
	" \"targets\": {\"t\": {\"kernel\": {\"url\": \"k\", \"sha256\": \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\", \"size\": 3}}},\n" \
	" \"rules\": [{\"match\": {\"any\": true}, \"target\": \"t\"}]}\n" \
	""
#define MANIFEST_MEXP \
	"{\"version\": 5, \"expires\": \"2020-01-01T00:00:00Z\",\n" \
	" \"targets\": {\"t\": {\"kernel\": {\"url\": \"k\", \"sha256\": \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\", \"size\": 3}}},\n" \
	" \"rules\": [{\"match\": {\"any\": true}, \"target\": \"t\"}]}\n" \
	""
#define MANIFEST_MBAD \
	"{\"version\": 7, \"expires\": \"2099-01-01T00:00:00Z\", \"targets\": \n" \
	""
