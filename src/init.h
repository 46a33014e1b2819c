/* init.h — kxboot as PID 1 of its own image: the whole boot, from mounts to kexec. */
#pragma once

/* Never returns while kxboot is PID 1: it kexecs, or offers the rescue shell. */
int init_main(void);
