/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * diskmap: the interface between diskmap.ko and the process that drives an NVMe I/O queue pair.
 * diskmap-java mirrors these layouts in dev.atlas.diskmap.kernel (DiskmapAbi); keep them in step.
 * Every field is naturally aligned and little-endian; no struct has padding.
 */
#ifndef DISKMAP_UAPI_H
#define DISKMAP_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define DISKMAP_IOC_MAGIC 'D'

/* What the controller and its namespace look like; needs no attachment. 40 bytes. */
struct diskmap_info {
	__u32 block_size;        /* logical block size of the namespace, bytes */
	__u32 namespace_id;      /* the one namespace commands may address */
	__u64 block_count;       /* namespace size in logical blocks */
	__u32 max_transfer;      /* largest transfer of one command, bytes (MDTS, capped at one PRP list) */
	__u32 max_queue_depth;   /* largest I/O queue the controller accepts (CAP.MQES + 1, capped) */
	__u32 queue_pairs;       /* I/O queue pairs this module may hand out */
	__u32 version;           /* DISKMAP_ABI_VERSION */
	__u64 reserved;
};

/* Attach: take an I/O queue pair for this open file. 32 bytes. */
struct diskmap_attach {
	__u32 queue_id;          /* in: 0 for any free queue, or the one wanted; out: the one taken */
	__u32 depth;             /* in/out: entries in the SQ and in the CQ */
	__u64 sq_offset;         /* out: mmap offset of the submission ring (read-write, 64-byte entries) */
	__u64 cq_offset;         /* out: mmap offset of the completion queue (read-only, 16-byte entries) */
	__u32 sq_bytes;          /* out: mmap length of the submission ring */
	__u32 cq_bytes;          /* out: mmap length of the completion queue */
};

/* Register: pin a page-aligned range of this process's memory for DMA. 24 bytes. */
struct diskmap_region {
	__u64 address;           /* in: first byte, 4 KiB aligned */
	__u64 length;            /* in: bytes, a multiple of 4 KiB */
	__u64 bus_table;         /* in: address of length/4096 __u64s; out there: each page's bus address */
};

/* Doorbell: submit the SQ entries up to sq_tail and release CQ entries up to cq_head. 16 bytes. */
struct diskmap_doorbell {
	__u32 sq_tail;           /* in: new SQ tail (entries before it are ready) */
	__u32 cq_head;           /* in: new CQ head (entries before it were consumed) */
	__u32 rejected_slot;     /* out: on EINVAL, the SQ slot of the first entry refused */
	__u32 reason;            /* out: on EINVAL, enum diskmap_reject */
};

enum diskmap_reject {
	DISKMAP_OK = 0,
	DISKMAP_REJECT_OPCODE = 1,      /* not READ, WRITE or FLUSH */
	DISKMAP_REJECT_NAMESPACE = 2,   /* NSID is not the namespace's */
	DISKMAP_REJECT_LENGTH = 3,      /* transfer longer than max_transfer */
	DISKMAP_REJECT_PRP = 4,         /* PRP1/PRP2 not in this process's registered pages */
	DISKMAP_REJECT_PRP_LIST = 5,    /* PRP list or one of its entries not in registered pages, or chained */
	DISKMAP_REJECT_FORMAT = 6,      /* fused, SGL, metadata pointer or reserved fields in use */
	DISKMAP_REJECT_DOORBELL = 7,    /* tail or head outside the queue */
};

#define DISKMAP_ABI_VERSION 1

#define DISKMAP_IOC_INFO     _IOR(DISKMAP_IOC_MAGIC, 0, struct diskmap_info)
#define DISKMAP_IOC_ATTACH   _IOWR(DISKMAP_IOC_MAGIC, 1, struct diskmap_attach)
#define DISKMAP_IOC_REGISTER _IOWR(DISKMAP_IOC_MAGIC, 2, struct diskmap_region)
#define DISKMAP_IOC_DOORBELL _IOWR(DISKMAP_IOC_MAGIC, 3, struct diskmap_doorbell)
#define DISKMAP_IOC_DETACH   _IO(DISKMAP_IOC_MAGIC, 4)

#endif
