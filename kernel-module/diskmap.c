// SPDX-License-Identifier: GPL-2.0
/*
 * diskmap.ko: hands an NVMe controller's I/O queue pairs to processes while the kernel keeps
 * the admin queue.
 *
 * The operator binds a controller to this driver (driver_override). The module brings the
 * controller up, identifies namespace 1 and offers /dev/diskmapN. A process that opens it
 * attaches an I/O queue pair, registers the memory its buffers live in (pinned and mapped for
 * DMA here, as io_uring registers buffers), maps the submission ring and the completion queue,
 * and from then on writes 64-byte commands and reads completions itself. It polls; no
 * interrupts are used.
 *
 * Safety without an IOMMU: the device never reads what the process can still change. The ring
 * the process writes is a staging copy; the doorbell ioctl copies every new entry into the
 * hardware submission queue (kernel memory), checks the copy (opcode READ/WRITE/FLUSH, the
 * namespace, transfer length, PRP1/PRP2 and every PRP list entry inside this process's
 * registered pages), copies PRP lists into a kernel page per slot, and only then rings the
 * hardware doorbell. The completion queue is mapped read-only. Doorbell registers stay in the
 * kernel: they share one page with every other queue's (the admin queue's too), so mapping
 * them would let a process ring queues it does not own. The CQ head goes through the same
 * ioctl, which costs nothing extra: one call carries both.
 *
 * Unbinding or unloading disables the controller, and unloading clears the driver_override
 * and asks the driver core to probe the device again, so the stock nvme driver takes it back.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/miscdevice.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/highmem.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/xarray.h>
#include <linux/delay.h>
#include <linux/uaccess.h>
#include <linux/slab.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include "diskmap_uapi.h"

#define DRIVER_NAME "diskmap"

/* Controller registers (NVMe 1.4, section 3.1). */
#define REG_CAP   0x00
#define REG_VS    0x08
#define REG_INTMS 0x0c
#define REG_CC    0x14
#define REG_CSTS  0x1c
#define REG_AQA   0x24
#define REG_ASQ   0x28
#define REG_ACQ   0x30
#define REG_DOORBELLS 0x1000

#define CAP_MQES(cap)   ((u32)((cap) & 0xffff))
#define CAP_TO(cap)     ((u32)(((cap) >> 24) & 0xff))
#define CAP_DSTRD(cap)  ((u32)(((cap) >> 32) & 0xf))
#define CAP_MPSMIN(cap) ((u32)(((cap) >> 48) & 0xf))

#define CC_EN         (1u << 0)
#define CC_IOSQES     (6u << 16)
#define CC_IOCQES     (4u << 20)
#define CSTS_RDY      (1u << 0)
#define CSTS_CFS      (1u << 1)

#define SQE_SIZE 64
#define CQE_SIZE 16
#define MEMORY_PAGE 4096u
#define PRP_ENTRIES_PER_PAGE (MEMORY_PAGE / 8)

#define ADMIN_DEPTH 32
#define ADMIN_TIMEOUT_MS 10000
#define MAX_QUEUE_PAIRS 8
#define MAX_QUEUE_DEPTH 1024
#define MAX_REGISTERED_PAGES (1u << 20) /* 4 GiB per process */

/* Opcodes. */
#define ADMIN_DELETE_SQ 0x00
#define ADMIN_CREATE_SQ 0x01
#define ADMIN_DELETE_CQ 0x04
#define ADMIN_CREATE_CQ 0x05
#define ADMIN_IDENTIFY  0x06
#define ADMIN_SET_FEATURES 0x09
#define FEATURE_NUMBER_OF_QUEUES 0x07
#define NVM_FLUSH 0x00
#define NVM_WRITE 0x01
#define NVM_READ  0x02

/* A submission queue entry as the device reads it (little-endian). */
struct sqe {
	u8 opcode;
	u8 flags;
	__le16 cid;
	__le32 nsid;
	__le32 cdw2;
	__le32 cdw3;
	__le64 mptr;
	__le64 prp1;
	__le64 prp2;
	__le32 cdw10;
	__le32 cdw11;
	__le32 cdw12;
	__le32 cdw13;
	__le32 cdw14;
	__le32 cdw15;
};

struct cqe {
	__le32 result;
	__le32 reserved;
	__le16 sq_head;
	__le16 sq_id;
	__le16 cid;
	__le16 status; /* bit 0: phase tag */
};

struct dm_ctrl;

/* One open file: at most one attached I/O queue pair and the pages it registered. */
struct dm_queue {
	struct dm_ctrl *ctrl;
	struct mutex lock;      /* doorbell, register, detach */
	pid_t owner;            /* thread group that attached */
	u16 qid;                /* 0 = not attached */
	u32 depth;
	u32 sq_tail;            /* tail the hardware was last told */
	u32 cq_head;
	void *staging;          /* the ring the process writes (vmalloc_user) */
	size_t staging_bytes;
	struct sqe *sq;         /* the hardware SQ (only the kernel writes it) */
	dma_addr_t sq_dma;
	size_t sq_bytes;
	void *cq;               /* the hardware CQ, mapped read-only to the process */
	dma_addr_t cq_dma;
	size_t cq_bytes;
	__le64 *prp_lists;      /* one kernel PRP list page per SQ slot */
	dma_addr_t prp_lists_dma;
	bool detached;          /* queues deleted; the rings wait for release */
	struct xarray pages;    /* bus page frame -> pinned struct page */
	unsigned long page_count;
};

struct dm_ctrl {
	struct kref ref;
	struct pci_dev *pdev;
	void __iomem *bar;
	u64 cap;
	u32 db_stride;
	int instance;
	char name[16];
	struct miscdevice misc;
	bool misc_registered;
	bool dead;              /* controller disabled: no admin commands, no doorbells */
	struct rw_semaphore gate; /* doorbells read-hold it; removal write-holds it to set dead */

	struct mutex admin_lock;
	struct sqe *asq;
	dma_addr_t asq_dma;
	struct cqe *acq;
	dma_addr_t acq_dma;
	u16 asq_tail;
	u16 acq_head;
	u8 acq_phase;
	u16 next_cid;

	u32 nsid;
	u32 block_size;
	u64 block_count;
	u32 max_transfer;
	u32 max_depth;
	u32 queue_pairs;
	struct dm_queue *owners[MAX_QUEUE_PAIRS + 1]; /* by qid, under admin_lock */
};

static DEFINE_IDA(dm_instances);
static DEFINE_MUTEX(dm_released_lock);
/* Devices this driver let go of, to hand back to the stock driver when the module unloads. */
static struct pci_dev *dm_released[16];

static void __iomem *sq_doorbell(struct dm_ctrl *c, u16 qid)
{
	return c->bar + REG_DOORBELLS + (2 * qid) * c->db_stride;
}

static void __iomem *cq_doorbell(struct dm_ctrl *c, u16 qid)
{
	return c->bar + REG_DOORBELLS + (2 * qid + 1) * c->db_stride;
}

static int wait_ready(struct dm_ctrl *c, bool ready)
{
	unsigned long deadline = jiffies + msecs_to_jiffies((CAP_TO(c->cap) + 1) * 500);
	u32 csts;

	for (;;) {
		csts = readl(c->bar + REG_CSTS);
		if (csts == ~0u)
			return -ENODEV;
		if (!!(csts & CSTS_RDY) == ready)
			return 0;
		if (time_after(jiffies, deadline)) {
			dev_err(&c->pdev->dev, "controller did not become %s (CSTS %#x)\n",
				ready ? "ready" : "disabled", csts);
			return -ETIMEDOUT;
		}
		msleep(1);
	}
}

static int disable_controller(struct dm_ctrl *c)
{
	u32 cc = readl(c->bar + REG_CC);

	if (cc & CC_EN)
		writel(cc & ~CC_EN, c->bar + REG_CC);
	return wait_ready(c, false);
}

/* Runs one admin command to completion, polling; returns the NVMe status (0 = success). */
static int admin_command(struct dm_ctrl *c, struct sqe *cmd, u32 *result)
{
	unsigned long deadline;
	struct cqe *cqe;
	u16 status, cid;

	lockdep_assert_held(&c->admin_lock);
	if (c->dead)
		return -ENODEV;
	cid = c->next_cid++;
	cmd->cid = cpu_to_le16(cid);
	memcpy(&c->asq[c->asq_tail], cmd, sizeof(*cmd));
	c->asq_tail = (c->asq_tail + 1) % ADMIN_DEPTH;
	wmb();
	writel(c->asq_tail, sq_doorbell(c, 0));

	deadline = jiffies + msecs_to_jiffies(ADMIN_TIMEOUT_MS);
	for (;;) {
		cqe = &c->acq[c->acq_head];
		status = le16_to_cpu(READ_ONCE(cqe->status));
		if ((status & 1) == c->acq_phase)
			break;
		if (time_after(jiffies, deadline)) {
			dev_err(&c->pdev->dev, "admin command %#x timed out\n", cmd->opcode);
			c->dead = true;
			return -ETIMEDOUT;
		}
		usleep_range(20, 100);
	}
	dma_rmb();
	if (result)
		*result = le32_to_cpu(cqe->result);
	if (le16_to_cpu(cqe->cid) != cid)
		dev_warn(&c->pdev->dev, "admin completion for cid %u, expected %u\n",
			 le16_to_cpu(cqe->cid), cid);
	if (++c->acq_head == ADMIN_DEPTH) {
		c->acq_head = 0;
		c->acq_phase ^= 1;
	}
	writel(c->acq_head, cq_doorbell(c, 0));
	return status >> 1;
}

static int identify(struct dm_ctrl *c, u32 nsid, u32 cns, dma_addr_t dma)
{
	struct sqe cmd = {
		.opcode = ADMIN_IDENTIFY,
		.nsid = cpu_to_le32(nsid),
		.prp1 = cpu_to_le64(dma),
		.cdw10 = cpu_to_le32(cns),
	};

	return admin_command(c, &cmd, NULL);
}

static int enable_controller(struct dm_ctrl *c)
{
	u32 aqa = ((ADMIN_DEPTH - 1) << 16) | (ADMIN_DEPTH - 1);
	int ret;

	ret = disable_controller(c);
	if (ret)
		return ret;
	/* Polled only: mask every interrupt vector and INTx. */
	writel(~0u, c->bar + REG_INTMS);
	pci_intx(c->pdev, 0);

	memset(c->asq, 0, ADMIN_DEPTH * SQE_SIZE);
	memset(c->acq, 0, ADMIN_DEPTH * CQE_SIZE);
	c->asq_tail = 0;
	c->acq_head = 0;
	c->acq_phase = 1;
	writel(aqa, c->bar + REG_AQA);
	lo_hi_writeq(c->asq_dma, c->bar + REG_ASQ);
	lo_hi_writeq(c->acq_dma, c->bar + REG_ACQ);
	/* NVM command set, 4 KiB memory pages (MPS 0), round robin, 64/16-byte entries. */
	writel(CC_IOSQES | CC_IOCQES | CC_EN, c->bar + REG_CC);
	ret = wait_ready(c, true);
	if (ret)
		return ret;
	if (readl(c->bar + REG_CSTS) & CSTS_CFS) {
		dev_err(&c->pdev->dev, "controller reports a fatal status after enabling\n");
		return -EIO;
	}
	return 0;
}

static int identify_controller_and_namespace(struct dm_ctrl *c)
{
	dma_addr_t dma;
	u8 *id;
	u8 mdts, flbas, lbads;
	u32 lbaf, nn, result;
	u64 limit;
	int ret;
	struct sqe set_queues = {
		.opcode = ADMIN_SET_FEATURES,
		.cdw10 = cpu_to_le32(FEATURE_NUMBER_OF_QUEUES),
		.cdw11 = cpu_to_le32(((MAX_QUEUE_PAIRS - 1) << 16) | (MAX_QUEUE_PAIRS - 1)),
	};

	id = dma_alloc_coherent(&c->pdev->dev, MEMORY_PAGE, &dma, GFP_KERNEL);
	if (!id)
		return -ENOMEM;
	mutex_lock(&c->admin_lock);
	ret = identify(c, 0, 1, dma);
	if (ret)
		goto out;
	mdts = id[77];
	nn = le32_to_cpup((__le32 *)(id + 516));
	if (nn < 1) {
		dev_err(&c->pdev->dev, "controller has no namespaces\n");
		ret = -ENODEV;
		goto out;
	}
	/* One PRP list page per command bounds the transfer; MDTS may bound it further. */
	limit = (u64)PRP_ENTRIES_PER_PAGE * MEMORY_PAGE;
	if (mdts)
		limit = min_t(u64, limit, ((u64)1 << (12 + CAP_MPSMIN(c->cap))) << mdts);

	c->nsid = 1;
	memset(id, 0, MEMORY_PAGE);
	ret = identify(c, c->nsid, 0, dma);
	if (ret)
		goto out;
	c->block_count = le64_to_cpup((__le64 *)id);
	flbas = id[26] & 0xf;
	lbaf = le32_to_cpup((__le32 *)(id + 128 + 4 * flbas));
	lbads = (lbaf >> 16) & 0xff;
	if ((lbaf & 0xffff) != 0 || lbads < 9 || lbads > 16 || c->block_count == 0) {
		dev_err(&c->pdev->dev, "namespace 1 has metadata or an unusable format (LBAF %#x, %llu blocks)\n",
			lbaf, c->block_count);
		ret = -ENODEV;
		goto out;
	}
	c->block_size = 1u << lbads;
	c->max_transfer = (u32)(limit / c->block_size * c->block_size);

	ret = admin_command(c, &set_queues, &result);
	if (ret)
		goto out;
	c->queue_pairs = min_t(u32, MAX_QUEUE_PAIRS, min(result & 0xffff, result >> 16) + 1);
out:
	mutex_unlock(&c->admin_lock);
	dma_free_coherent(&c->pdev->dev, MEMORY_PAGE, id, dma);
	if (ret > 0) {
		dev_err(&c->pdev->dev, "identify/set features failed with NVMe status %#x\n", ret);
		ret = -EIO;
	}
	return ret;
}

static void dm_ctrl_free(struct kref *ref)
{
	struct dm_ctrl *c = container_of(ref, struct dm_ctrl, ref);
	struct device *dev = &c->pdev->dev;

	if (c->bar)
		pci_iounmap(c->pdev, c->bar);
	if (c->asq)
		dma_free_coherent(dev, ADMIN_DEPTH * SQE_SIZE, c->asq, c->asq_dma);
	if (c->acq)
		dma_free_coherent(dev, ADMIN_DEPTH * CQE_SIZE, c->acq, c->acq_dma);
	ida_free(&dm_instances, c->instance);
	pci_dev_put(c->pdev);
	kfree(c);
}

/* ---- pages a process registered ---- */

static void unpin_registered_pages(struct dm_queue *q)
{
	struct device *dev = &q->ctrl->pdev->dev;
	unsigned long index;
	struct page *page;

	xa_for_each(&q->pages, index, page) {
		dma_unmap_page(dev, (dma_addr_t)index << PAGE_SHIFT, PAGE_SIZE, DMA_BIDIRECTIONAL);
		unpin_user_page(page);
	}
	xa_destroy(&q->pages);
	q->page_count = 0;
}

static struct page *registered_page(struct dm_queue *q, u64 bus)
{
	return xa_load(&q->pages, (unsigned long)(bus >> PAGE_SHIFT));
}

static long register_region(struct dm_queue *q, struct diskmap_region __user *arg)
{
	struct device *dev = &q->ctrl->pdev->dev;
	struct diskmap_region region;
	unsigned long pages, i;
	struct page *page;
	dma_addr_t bus;
	u64 __user *table;
	long ret = 0;

	if (copy_from_user(&region, arg, sizeof(region)))
		return -EFAULT;
	if (!region.length || (region.address | region.length) & (PAGE_SIZE - 1))
		return -EINVAL;
	pages = region.length >> PAGE_SHIFT;
	if (q->page_count + pages > MAX_REGISTERED_PAGES)
		return -ENOSPC;
	table = u64_to_user_ptr(region.bus_table);
	for (i = 0; i < pages; i++) {
		unsigned long address = region.address + (i << PAGE_SHIFT);

		if (pin_user_pages_fast(address, 1, FOLL_WRITE | FOLL_LONGTERM, &page) != 1) {
			ret = -EFAULT;
			break;
		}
		bus = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(dev, bus)) {
			unpin_user_page(page);
			ret = -EIO;
			break;
		}
		/* The same page registered twice keeps its first pin and mapping. */
		if (xa_insert(&q->pages, (unsigned long)(bus >> PAGE_SHIFT), page, GFP_KERNEL)) {
			struct page *earlier = registered_page(q, bus);

			dma_unmap_page(dev, bus, PAGE_SIZE, DMA_BIDIRECTIONAL);
			unpin_user_page(page);
			if (earlier != page) {
				ret = -ENOMEM;
				break;
			}
		} else {
			q->page_count++;
		}
		if (put_user((u64)bus, table + i)) {
			ret = -EFAULT;
			break;
		}
	}
	return ret;
}

/* ---- validation of submitted commands ---- */

static const char *const reject_words[] = {
	[DISKMAP_REJECT_OPCODE] = "opcode is not READ, WRITE or FLUSH",
	[DISKMAP_REJECT_NAMESPACE] = "wrong namespace",
	[DISKMAP_REJECT_LENGTH] = "transfer longer than the controller's limit",
	[DISKMAP_REJECT_PRP] = "PRP entry outside the process's registered pages",
	[DISKMAP_REJECT_PRP_LIST] = "PRP list outside the registered pages, or chained",
	[DISKMAP_REJECT_FORMAT] = "fused, SGL or metadata fields set",
	[DISKMAP_REJECT_DOORBELL] = "doorbell value outside the queue",
};

static bool page_ok(struct dm_queue *q, u64 address)
{
	return !(address & (MEMORY_PAGE - 1)) && registered_page(q, address);
}

/*
 * Checks one entry copied out of the staging ring and makes it safe to hand to the device:
 * the PRP list it names is copied into the slot's kernel list page. Returns 0 or a reason.
 */
static int check_command(struct dm_queue *q, struct sqe *cmd, u32 slot)
{
	struct dm_ctrl *c = q->ctrl;
	u64 prp1, prp2, length, first;
	u32 entries, i, list_offset;
	__le64 *kernel_list;
	struct page *page;
	__le64 *user_list;

	if (cmd->flags != 0 || cmd->mptr != 0)
		return DISKMAP_REJECT_FORMAT;
	if (le32_to_cpu(cmd->nsid) != c->nsid)
		return DISKMAP_REJECT_NAMESPACE;
	if (cmd->opcode == NVM_FLUSH) {
		cmd->prp1 = 0;
		cmd->prp2 = 0;
		return DISKMAP_OK;
	}
	if (cmd->opcode != NVM_READ && cmd->opcode != NVM_WRITE)
		return DISKMAP_REJECT_OPCODE;

	length = ((u64)(le32_to_cpu(cmd->cdw12) & 0xffff) + 1) * c->block_size;
	if (length > c->max_transfer)
		return DISKMAP_REJECT_LENGTH;
	prp1 = le64_to_cpu(cmd->prp1);
	prp2 = le64_to_cpu(cmd->prp2);
	if ((prp1 & 3) || !registered_page(q, prp1 & ~(u64)(MEMORY_PAGE - 1)))
		return DISKMAP_REJECT_PRP;
	first = MEMORY_PAGE - (prp1 & (MEMORY_PAGE - 1));
	if (length <= first) {
		cmd->prp2 = 0;
		return DISKMAP_OK;
	}
	if (length - first <= MEMORY_PAGE)
		return page_ok(q, prp2) ? DISKMAP_OK : DISKMAP_REJECT_PRP;

	entries = DIV_ROUND_UP(length - first, MEMORY_PAGE);
	list_offset = prp2 & (MEMORY_PAGE - 1);
	if ((prp2 & 7) || list_offset + entries * 8 > MEMORY_PAGE)
		return DISKMAP_REJECT_PRP_LIST;
	page = registered_page(q, prp2 & ~(u64)(MEMORY_PAGE - 1));
	if (!page)
		return DISKMAP_REJECT_PRP_LIST;
	kernel_list = q->prp_lists + (size_t)slot * PRP_ENTRIES_PER_PAGE;
	user_list = kmap_local_page(page) + list_offset;
	for (i = 0; i < entries; i++) {
		/* Read each entry once: what is checked is what the device gets. */
		u64 entry = le64_to_cpu(READ_ONCE(user_list[i]));

		if (!page_ok(q, entry)) {
			kunmap_local(user_list);
			return DISKMAP_REJECT_PRP_LIST;
		}
		WRITE_ONCE(kernel_list[i], cpu_to_le64(entry));
	}
	kunmap_local(user_list);
	cmd->prp2 = cpu_to_le64(q->prp_lists_dma + (u64)slot * MEMORY_PAGE);
	return DISKMAP_OK;
}

static long ring_doorbell(struct dm_queue *q, struct diskmap_doorbell __user *arg)
{
	struct dm_ctrl *c = q->ctrl;
	struct diskmap_doorbell bell;
	u32 slot, reason = DISKMAP_OK;
	struct sqe cmd;

	if (copy_from_user(&bell, arg, sizeof(bell)))
		return -EFAULT;
	if (!q->qid)
		return -ENOTCONN;
	down_read(&c->gate);
	if (c->dead) {
		up_read(&c->gate);
		return -ENODEV;
	}
	slot = q->sq_tail;
	if (bell.sq_tail >= q->depth || bell.cq_head >= q->depth) {
		reason = DISKMAP_REJECT_DOORBELL;
	} else {
		for (; slot != bell.sq_tail; slot = (slot + 1) % q->depth) {
			memcpy(&cmd, (u8 *)q->staging + (size_t)slot * SQE_SIZE, sizeof(cmd));
			reason = check_command(q, &cmd, slot);
			if (reason)
				break;
			memcpy(&q->sq[slot], &cmd, sizeof(cmd));
		}
	}
	/* Entries before a refused one are sound and were copied: submit those. */
	if (slot != q->sq_tail) {
		wmb();
		writel(slot, sq_doorbell(c, q->qid));
		q->sq_tail = slot;
	}
	if (!reason && bell.cq_head != q->cq_head) {
		writel(bell.cq_head, cq_doorbell(c, q->qid));
		q->cq_head = bell.cq_head;
	}
	up_read(&c->gate);
	if (reason) {
		dev_warn_ratelimited(&c->pdev->dev,
				     "refused SQ entry %u of queue %u (pid %d): %s\n", slot, q->qid,
				     task_tgid_nr(current), reject_words[reason]);
		bell.rejected_slot = slot;
		bell.reason = reason;
		if (copy_to_user(arg, &bell, sizeof(bell)))
			return -EFAULT;
		return -EINVAL;
	}
	return 0;
}

/* ---- attach and detach ---- */

static void free_queue_memory(struct dm_queue *q)
{
	struct device *dev = &q->ctrl->pdev->dev;

	if (q->sq)
		dma_free_coherent(dev, q->sq_bytes, q->sq, q->sq_dma);
	if (q->cq)
		dma_free_coherent(dev, q->cq_bytes, q->cq, q->cq_dma);
	if (q->prp_lists)
		dma_free_coherent(dev, (size_t)q->depth * MEMORY_PAGE, q->prp_lists, q->prp_lists_dma);
	vfree(q->staging);
	q->sq = NULL;
	q->cq = NULL;
	q->prp_lists = NULL;
	q->staging = NULL;
}

static long attach(struct dm_queue *q, struct diskmap_attach __user *arg)
{
	struct dm_ctrl *c = q->ctrl;
	struct device *dev = &c->pdev->dev;
	struct diskmap_attach a;
	u32 qid;
	int ret;
	struct sqe create_cq = { .opcode = ADMIN_CREATE_CQ };
	struct sqe create_sq = { .opcode = ADMIN_CREATE_SQ };
	struct sqe delete_cq = { .opcode = ADMIN_DELETE_CQ };

	if (copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	if (q->qid || q->detached)
		return -EISCONN; /* one queue pair per open file: open the device again */
	if (a.depth < 2 || a.depth > c->max_depth || a.queue_id > c->queue_pairs)
		return -EINVAL;

	mutex_lock(&c->admin_lock);
	if (a.queue_id) {
		qid = a.queue_id;
		if (c->owners[qid]) {
			dev_warn(dev, "pid %d asked for queue %u, which pid %d owns\n",
				 task_tgid_nr(current), qid, c->owners[qid]->owner);
			ret = -EBUSY;
			goto unlock;
		}
	} else {
		for (qid = 1; qid <= c->queue_pairs && c->owners[qid]; qid++)
			;
		if (qid > c->queue_pairs) {
			ret = -EBUSY;
			goto unlock;
		}
	}
	q->depth = a.depth;
	q->sq_bytes = PAGE_ALIGN((size_t)a.depth * SQE_SIZE);
	q->cq_bytes = PAGE_ALIGN((size_t)a.depth * CQE_SIZE);
	q->staging_bytes = q->sq_bytes;
	q->staging = vmalloc_user(q->staging_bytes);
	q->sq = dma_alloc_coherent(dev, q->sq_bytes, &q->sq_dma, GFP_KERNEL);
	q->cq = dma_alloc_coherent(dev, q->cq_bytes, &q->cq_dma, GFP_KERNEL);
	q->prp_lists = dma_alloc_coherent(dev, (size_t)a.depth * MEMORY_PAGE, &q->prp_lists_dma, GFP_KERNEL);
	if (!q->staging || !q->sq || !q->cq || !q->prp_lists) {
		ret = -ENOMEM;
		goto free;
	}
	memset(q->cq, 0, q->cq_bytes);

	/* Physically contiguous, no interrupts: the process polls the phase tags. */
	create_cq.prp1 = cpu_to_le64(q->cq_dma);
	create_cq.cdw10 = cpu_to_le32(((a.depth - 1) << 16) | qid);
	create_cq.cdw11 = cpu_to_le32(1);
	ret = admin_command(c, &create_cq, NULL);
	if (ret)
		goto free;
	create_sq.prp1 = cpu_to_le64(q->sq_dma);
	create_sq.cdw10 = cpu_to_le32(((a.depth - 1) << 16) | qid);
	create_sq.cdw11 = cpu_to_le32((qid << 16) | 1);
	ret = admin_command(c, &create_sq, NULL);
	if (ret) {
		delete_cq.cdw10 = cpu_to_le32(qid);
		admin_command(c, &delete_cq, NULL);
		goto free;
	}
	q->qid = qid;
	q->owner = task_tgid_nr(current);
	q->sq_tail = 0;
	q->cq_head = 0;
	c->owners[qid] = q;
	mutex_unlock(&c->admin_lock);

	a.queue_id = qid;
	a.sq_offset = 0;
	a.cq_offset = q->sq_bytes;
	a.sq_bytes = q->sq_bytes;
	a.cq_bytes = q->cq_bytes;
	dev_info(dev, "pid %d attached I/O queue %u (depth %u)\n", q->owner, qid, a.depth);
	return copy_to_user(arg, &a, sizeof(a)) ? -EFAULT : 0;

free:
	free_queue_memory(q);
	if (ret > 0) {
		dev_err(dev, "creating I/O queue %u failed with NVMe status %#x\n", qid, ret);
		ret = -EIO;
	}
unlock:
	mutex_unlock(&c->admin_lock);
	return ret;
}

/*
 * Deletes the queues (the controller aborts or finishes what they hold) and unpins the
 * registered pages. The rings stay allocated until the file is released: the process may still
 * have them mapped, and only the last close proves it does not.
 */
static void detach(struct dm_queue *q)
{
	struct dm_ctrl *c = q->ctrl;
	struct sqe delete_sq = { .opcode = ADMIN_DELETE_SQ };
	struct sqe delete_cq = { .opcode = ADMIN_DELETE_CQ };
	bool deleted = true;

	if (q->qid) {
		mutex_lock(&c->admin_lock);
		if (!c->dead) {
			delete_sq.cdw10 = cpu_to_le32(q->qid);
			delete_cq.cdw10 = cpu_to_le32(q->qid);
			deleted = admin_command(c, &delete_sq, NULL) == 0 &&
				  admin_command(c, &delete_cq, NULL) == 0;
		}
		c->owners[q->qid] = NULL;
		mutex_unlock(&c->admin_lock);
		if (!deleted) {
			/* The device may still write to this memory: disable it before freeing. */
			dev_err(&c->pdev->dev, "deleting I/O queue %u failed; disabling the controller\n", q->qid);
			mutex_lock(&c->admin_lock);
			c->dead = true;
			disable_controller(c);
			mutex_unlock(&c->admin_lock);
		}
		dev_info(&c->pdev->dev, "I/O queue %u released (pid %d)\n", q->qid, q->owner);
		q->qid = 0;
		q->detached = true;
	}
	unpin_registered_pages(q);
}

/* ---- the character device ---- */

static int dm_open(struct inode *inode, struct file *file)
{
	struct dm_ctrl *c = container_of(file->private_data, struct dm_ctrl, misc);
	struct dm_queue *q;

	if (c->dead)
		return -ENODEV;
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	q->ctrl = c;
	mutex_init(&q->lock);
	xa_init(&q->pages);
	kref_get(&c->ref);
	file->private_data = q;
	return 0;
}

static int dm_release(struct inode *inode, struct file *file)
{
	struct dm_queue *q = file->private_data;
	struct dm_ctrl *c = q->ctrl;

	mutex_lock(&q->lock);
	detach(q);
	free_queue_memory(q);
	mutex_unlock(&q->lock);
	kfree(q);
	kref_put(&c->ref, dm_ctrl_free);
	return 0;
}

static long dm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct dm_queue *q = file->private_data;
	struct dm_ctrl *c = q->ctrl;
	void __user *uarg = (void __user *)arg;
	long ret;

	if (cmd == DISKMAP_IOC_INFO) {
		struct diskmap_info info = {
			.block_size = c->block_size,
			.namespace_id = c->nsid,
			.block_count = c->block_count,
			.max_transfer = c->max_transfer,
			.max_queue_depth = c->max_depth,
			.queue_pairs = c->queue_pairs,
			.version = DISKMAP_ABI_VERSION,
		};
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	/* A queue belongs to the process that attached it, not to whoever inherits the file. */
	if (q->qid && q->owner != task_tgid_nr(current)) {
		dev_warn_ratelimited(&c->pdev->dev, "pid %d used queue %u of pid %d: refused\n",
				     task_tgid_nr(current), q->qid, q->owner);
		return -EPERM;
	}
	mutex_lock(&q->lock);
	switch (cmd) {
	case DISKMAP_IOC_DOORBELL:
		ret = ring_doorbell(q, uarg);
		break;
	case DISKMAP_IOC_ATTACH:
		ret = attach(q, uarg);
		break;
	case DISKMAP_IOC_REGISTER:
		ret = q->qid ? register_region(q, uarg) : -ENOTCONN;
		break;
	case DISKMAP_IOC_DETACH:
		detach(q);
		ret = 0;
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&q->lock);
	return ret;
}

static int dm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct dm_queue *q = file->private_data;
	unsigned long offset = vma->vm_pgoff << PAGE_SHIFT;
	unsigned long length = vma->vm_end - vma->vm_start;
	int ret = -EINVAL;

	mutex_lock(&q->lock);
	if (!q->qid || q->owner != task_tgid_nr(current)) {
		ret = -ENOTCONN;
	} else if (offset == 0 && length == q->staging_bytes) {
		ret = remap_vmalloc_range(vma, q->staging, 0);
	} else if (offset == q->sq_bytes && length == q->cq_bytes) {
		if (vma->vm_flags & VM_WRITE) {
			ret = -EACCES;
		} else {
			vma->vm_flags &= ~VM_MAYWRITE;
			vma->vm_pgoff = 0;
			ret = dma_mmap_coherent(&q->ctrl->pdev->dev, vma, q->cq, q->cq_dma, q->cq_bytes);
		}
	}
	mutex_unlock(&q->lock);
	return ret;
}

static const struct file_operations dm_fops = {
	.owner = THIS_MODULE,
	.open = dm_open,
	.release = dm_release,
	.unlocked_ioctl = dm_ioctl,
	.mmap = dm_mmap,
	.llseek = noop_llseek,
};

/* ---- PCI driver ---- */

static int dm_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct dm_ctrl *c;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	kref_init(&c->ref);
	mutex_init(&c->admin_lock);
	init_rwsem(&c->gate);
	c->pdev = pci_dev_get(pdev);
	ret = ida_alloc(&dm_instances, GFP_KERNEL);
	if (ret < 0) {
		pci_dev_put(pdev);
		kfree(c);
		return ret;
	}
	c->instance = ret;
	pci_set_drvdata(pdev, c);

	ret = pci_enable_device_mem(pdev);
	if (ret)
		goto put;
	ret = pci_request_mem_regions(pdev, DRIVER_NAME);
	if (ret)
		goto disable;
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto release;
	c->bar = pci_iomap(pdev, 0, 0);
	if (!c->bar) {
		ret = -ENOMEM;
		goto release;
	}
	c->cap = lo_hi_readq(c->bar + REG_CAP);
	if (c->cap == ~0ull) {
		ret = -ENODEV;
		goto unmap;
	}
	c->db_stride = 4u << CAP_DSTRD(c->cap);
	c->max_depth = min_t(u32, CAP_MQES(c->cap) + 1, MAX_QUEUE_DEPTH);
	if (CAP_MPSMIN(c->cap) != 0) {
		dev_err(&pdev->dev, "controller does not support 4 KiB memory pages\n");
		ret = -ENODEV;
		goto unmap;
	}
	c->asq = dma_alloc_coherent(&pdev->dev, ADMIN_DEPTH * SQE_SIZE, &c->asq_dma, GFP_KERNEL);
	c->acq = dma_alloc_coherent(&pdev->dev, ADMIN_DEPTH * CQE_SIZE, &c->acq_dma, GFP_KERNEL);
	if (!c->asq || !c->acq) {
		ret = -ENOMEM;
		goto unmap;
	}
	ret = enable_controller(c);
	if (ret)
		goto unmap;
	ret = identify_controller_and_namespace(c);
	if (ret)
		goto disable_ctrl;

	snprintf(c->name, sizeof(c->name), "diskmap%d", c->instance);
	c->misc.minor = MISC_DYNAMIC_MINOR;
	c->misc.name = c->name;
	c->misc.fops = &dm_fops;
	c->misc.mode = 0600;
	ret = misc_register(&c->misc);
	if (ret)
		goto disable_ctrl;
	c->misc_registered = true;
	dev_info(&pdev->dev, "/dev/%s: NVMe %u.%u, namespace %u: %llu blocks of %u bytes, %u-byte transfers, %u queue pairs of up to %u entries\n",
		 c->name, readl(c->bar + REG_VS) >> 16, (readl(c->bar + REG_VS) >> 8) & 0xff, c->nsid,
		 c->block_count, c->block_size, c->max_transfer, c->queue_pairs, c->max_depth);
	return 0;

disable_ctrl:
	disable_controller(c);
unmap:
	pci_iounmap(pdev, c->bar);
	c->bar = NULL;
release:
	pci_release_mem_regions(pdev);
disable:
	pci_disable_device(pdev);
put:
	pci_set_drvdata(pdev, NULL);
	kref_put(&c->ref, dm_ctrl_free);
	return ret;
}

static void dm_remove(struct pci_dev *pdev)
{
	struct dm_ctrl *c = pci_get_drvdata(pdev);
	int i;

	misc_deregister(&c->misc);
	/* No doorbell after this; then stop all DMA. Open files keep their memory until they close. */
	down_write(&c->gate);
	c->dead = true;
	up_write(&c->gate);
	mutex_lock(&c->admin_lock);
	disable_controller(c);
	mutex_unlock(&c->admin_lock);
	/*
	 * The BAR stays mapped until the last open file is gone: a doorbell racing with this
	 * removal then writes to a disabled device, not to an unmapped address.
	 */
	pci_clear_master(pdev);
	pci_release_mem_regions(pdev);
	pci_disable_device(pdev);
	pci_set_drvdata(pdev, NULL);

	mutex_lock(&dm_released_lock);
	for (i = 0; i < ARRAY_SIZE(dm_released); i++) {
		if (!dm_released[i]) {
			dm_released[i] = pci_dev_get(pdev);
			break;
		}
	}
	mutex_unlock(&dm_released_lock);
	dev_info(&pdev->dev, "/dev/%s removed; controller disabled\n", c->name);
	kref_put(&c->ref, dm_ctrl_free);
}

/* No IDs: the operator chooses controllers with driver_override, the stock driver keeps the rest. */
static const struct pci_device_id dm_ids[] = {
	{ 0, }
};

static struct pci_driver dm_driver = {
	.name = DRIVER_NAME,
	.id_table = dm_ids,
	.probe = dm_probe,
	.remove = dm_remove,
};

static int __init dm_init(void)
{
	return pci_register_driver(&dm_driver);
}

static void __exit dm_exit(void)
{
	int i, ret;

	pci_unregister_driver(&dm_driver);
	/* Hand each controller back: forget the override and let the driver core find its driver. */
	mutex_lock(&dm_released_lock);
	for (i = 0; i < ARRAY_SIZE(dm_released); i++) {
		struct pci_dev *pdev = dm_released[i];

		if (!pdev)
			continue;
		dm_released[i] = NULL;
		driver_set_override(&pdev->dev, &pdev->driver_override, "", 0);
		ret = device_attach(&pdev->dev);
		dev_info(&pdev->dev, "handed back to the %s driver\n",
			 ret > 0 && pdev->dev.driver ? pdev->dev.driver->name : "(no)");
		pci_dev_put(pdev);
	}
	mutex_unlock(&dm_released_lock);
}

module_init(dm_init);
module_exit(dm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("diskmap: NVMe I/O queues and DMA buffers handed to a process, every command checked");
