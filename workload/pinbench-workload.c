/*
 * pinbench-workload: the program `pinbench record` runs inside a qemu guest on a real kernel.
 *
 * Each case is one pinbench scenario: the program sets up one mapping, describes it in the
 * pinbench vocabulary (spec/trace-format.md) through /sys/kernel/tracing/trace_marker, makes one
 * kind of call that pins it, and writes the call with the kernel's own return as `ret=`. The state
 * it describes comes from the kernel: /proc/self/pagemap (pfn), /proc/kpagecount (mapcount),
 * /proc/kpageflags (kind and flags), /proc/zoneinfo (zone of a pfn). The kprobes and tracepoints
 * the guest's init enables around it are the evidence the recording keeps beside these lines.
 *
 * Usage:
 *   pinbench-workload --page-offsets           print struct page layout read from the guest's BTF
 *   pinbench-workload [--cases LIST] [--ext4 DIR] [--vfio-group PATH] [--facts FILE]
 *
 * LIST is comma separated; an entry matches a case name or its api (`io_uring`, `vfio_ro`, ...) or
 * its mapping (`zero_ro`, ...). A case that cannot run on this kernel still opens its scenario
 * and writes `pinbench: skip reason="..."`, so the trace says why.
 *
 * Written for pinbench (MIT). Only UAPI headers and raw syscalls: no liburing, so it links
 * statically with the system's glibc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1U
#endif

#define PAGE 4096UL
#define SMALL_PAGES 4
#define HUGE_SIZE (2UL << 20)
#define VFIO_CYCLES 3
#define DEVMEM_BASE 0xA0000UL

/* How mem_rw() sets FOLL_FORCE for a write to /proc/self/mem (host facts, from the kernel config:
 * CONFIG_PROC_MEM_ALWAYS_FORCE, _FORCE_PTRACE, _NO_FORCE; "always" before the option existed). */
static char proc_mem_force[16] = "unknown";

static int marker_fd = -1;
static int major_v, minor_v;
/* The policy id an expectation of this kernel holds for: the exact upstream version (a Debian
 * kernel's /proc/version names it: "Debian 6.1.192-3"), since another stable update or the
 * mainline release may legitimately answer otherwise; fidelity compares the release model. */
static char expect_scope[64];

static void set_expect_scope(const char *release) {
  int x = 0, y = 0, z = 0;
  char version[512] = "";
  FILE *pv = fopen("/proc/version", "r");
  if (pv) {
    if (!fgets(version, sizeof version, pv)) version[0] = 0;
    fclose(pv);
  }
  /* The last "Debian ": the first one may be the compiler's ("(Debian 14.2.0-19) 14.2.0"). */
  const char *deb = NULL;
  for (const char *p = strstr(version, "Debian "); p; p = strstr(p + 1, "Debian ")) deb = p;
  if (!(deb && sscanf(deb + 7, "%d.%d.%d", &x, &y, &z) == 3)) {
    z = 0;
    sscanf(release, "%d.%d.%d", &x, &y, &z);
  }
  if (z > 0) snprintf(expect_scope, sizeof expect_scope, "v%d.%d.%d", x, y, z);
  else snprintf(expect_scope, sizeof expect_scope, "v%d.%d", x, y);
}

/* ---- trace_marker -------------------------------------------------------------------------- */

static void mark(const char *fmt, ...) {
  char buf[1024];
  int n = snprintf(buf, sizeof buf, "pinbench: ");
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(buf + n, sizeof buf - n, fmt, ap);
  va_end(ap);
  if (n >= (int)sizeof buf) n = sizeof buf - 1;
  if (marker_fd >= 0 && write(marker_fd, buf, n) < 0) perror("trace_marker");
  /* Also on stdout: the console log shows progress when a recording goes wrong. */
  printf("%s\n", buf);
  fflush(stdout);
}

/* ---- BTF: struct page layout of the running kernel ------------------------------------------ */

/*
 * Minimal reader of /sys/kernel/btf/vmlinux (format: Documentation/bpf/btf.rst): finds struct page
 * and the byte offsets of its flags, _refcount and _mapcount members, looking through anonymous
 * unions and structs, so probes read the layout of this build and never a hard-coded one.
 */
struct btf_hdr {
  uint16_t magic;
  uint8_t version, flags;
  uint32_t hdr_len, type_off, type_len, str_off, str_len;
};
struct btf_type {
  uint32_t name_off, info, size_or_type;
};
struct btf_member {
  uint32_t name_off, type, offset;
};

static unsigned char *btf;
static struct btf_hdr bh;
static uint32_t ntypes;
static unsigned char **types; /* types[id] -> struct btf_type */

static unsigned btf_kind(const struct btf_type *t) { return (t->info >> 24) & 0x1f; }
static unsigned btf_vlen(const struct btf_type *t) { return t->info & 0xffff; }
static const char *btf_str(uint32_t off) { return (const char *)btf + bh.hdr_len + bh.str_off + off; }

static size_t btf_extra(const struct btf_type *t) {
  switch (btf_kind(t)) {
  case 1: return 4;                        /* INT */
  case 3: return 12;                       /* ARRAY */
  case 4: case 5: return 12 * btf_vlen(t); /* STRUCT, UNION */
  case 6: return 8 * btf_vlen(t);          /* ENUM */
  case 13: return 8 * btf_vlen(t);         /* FUNC_PROTO */
  case 14: return 4;                       /* VAR */
  case 15: return 12 * btf_vlen(t);        /* DATASEC */
  case 17: return 4;                       /* DECL_TAG */
  case 19: return 12 * btf_vlen(t);        /* ENUM64 */
  default: return 0;
  }
}

static int btf_load(void) {
  FILE *f = fopen("/sys/kernel/btf/vmlinux", "rb");
  if (!f) return -1;
  size_t cap = 1 << 22, len = 0;
  btf = malloc(cap);
  size_t n;
  while ((n = fread(btf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) btf = realloc(btf, cap *= 2);
  }
  fclose(f);
  memcpy(&bh, btf, sizeof bh);
  if (bh.magic != 0xeB9F) return -1;
  unsigned char *p = btf + bh.hdr_len + bh.type_off, *end = p + bh.type_len;
  size_t tcap = 1 << 18;
  types = calloc(tcap, sizeof *types);
  ntypes = 1; /* id 0 is void */
  while (p < end) {
    if (ntypes == tcap) types = realloc(types, (tcap *= 2) * sizeof *types);
    types[ntypes++] = p;
    p += sizeof(struct btf_type) + btf_extra((struct btf_type *)p);
  }
  return 0;
}

/* Offset in bits of member `name` in struct/union `id`, searching anonymous members; -1 if absent. */
static long btf_member_off(uint32_t id, const char *name) {
  const struct btf_type *t = (const struct btf_type *)types[id];
  const struct btf_member *m = (const struct btf_member *)(t + 1);
  int kflag = t->info >> 31;
  for (unsigned i = 0; i < btf_vlen(t); i++) {
    long off = kflag ? (m[i].offset & 0xffffff) : m[i].offset;
    if (m[i].name_off && strcmp(btf_str(m[i].name_off), name) == 0) return off;
    if (!m[i].name_off && m[i].type < ntypes) {
      unsigned k = btf_kind((const struct btf_type *)types[m[i].type]);
      if (k == 4 || k == 5) {
        long inner = btf_member_off(m[i].type, name);
        if (inner >= 0) return off + inner;
      }
    }
  }
  return -1;
}

static int page_offsets(void) {
  if (btf_load() != 0) {
    printf("error=\"no /sys/kernel/btf/vmlinux\"\n");
    return 1;
  }
  for (uint32_t id = 1; id < ntypes; id++) {
    const struct btf_type *t = (const struct btf_type *)types[id];
    if (btf_kind(t) != 4 || strcmp(btf_str(t->name_off), "page") != 0 || btf_vlen(t) == 0) continue;
    long fl = btf_member_off(id, "flags"), rc = btf_member_off(id, "_refcount"),
         mc = btf_member_off(id, "_mapcount");
    printf("page_size=%u flags=%ld refcount=%ld mapcount=%ld\n", t->size_or_type, fl / 8, rc / 8,
           mc < 0 ? -1 : mc / 8);
    return rc < 0;
  }
  printf("error=\"struct page not in BTF\"\n");
  return 1;
}

/* ---- page facts from /proc ----------------------------------------------------------------- */

#define KPF_LOCKED 0
#define KPF_DIRTY 4
#define KPF_LRU 5
#define KPF_WRITEBACK 8
#define KPF_ANON 12
#define KPF_SWAPBACKED 14
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE 17
#define KPF_THP 22
#define KPF_ZERO_PAGE 24
#define KPF_RESERVED 32
#define KPF_MAPPEDTODISK 34 /* PG_anon_exclusive on an anon page */
#define KPF_PRIVATE 35

static uint64_t read_u64_at(const char *path, uint64_t index) {
  int fd = open(path, O_RDONLY);
  uint64_t v = 0;
  if (fd < 0) return 0;
  if (pread(fd, &v, 8, index * 8) != 8) v = 0;
  close(fd);
  return v;
}

/* pfn of a user address, 0 when not present. */
static uint64_t pfn_of(const void *addr) {
  uint64_t e = read_u64_at("/proc/self/pagemap", (uintptr_t)addr / PAGE);
  return (e >> 63) & 1 ? e & ((1ULL << 55) - 1) : 0;
}

static uint64_t zero_pfn;

struct zone_span {
  char name[16];
  uint64_t start, spanned;
};
static struct zone_span zones[8];
static int nzones;

/* Zones of node 0 from /proc/zoneinfo (`Node 0, zone   Normal` ... `spanned N` ... `start_pfn: N`). */
static void read_zones(void) {
  FILE *f = fopen("/proc/zoneinfo", "r");
  char line[256], name[16] = "";
  uint64_t spanned = 0;
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "Node %*d, zone %15s", name) == 1) continue;
    if (sscanf(line, " spanned %lu", &spanned) == 1) continue;
    uint64_t start;
    if (sscanf(line, " start_pfn: %lu", &start) == 1 && nzones < 8 && spanned > 0) {
      snprintf(zones[nzones].name, sizeof zones[nzones].name, "%s", name);
      zones[nzones].start = start;
      zones[nzones].spanned = spanned;
      nzones++;
    }
  }
  fclose(f);
}

/* ZONE_MOVABLE may span inside Normal's range: a pfn in both is Movable's when Movable is last. */
static const char *zone_of(uint64_t pfn) {
  const char *z = "Normal";
  for (int i = 0; i < nzones; i++)
    if (pfn >= zones[i].start && pfn < zones[i].start + zones[i].spanned) z = zones[i].name;
  return z;
}

/* ---- describing a mapping ------------------------------------------------------------------ */

struct mapping {
  const char *name, *title;
  char *addr;
  size_t len;
  int fd;
  int prot_write, shared, written;
  const char *backing, *fs, *ops;
  int huge; /* folio order of THP/hugetlb mappings, 0 for small pages */
  int hugetlb;
  uint64_t pfnmap; /* first pfn of a /dev/mem mapping (remap_pfn_range), 0 otherwise */
};

static void describe_vma(const struct mapping *m) {
  char flags[256] = "VM_READ";
  if (m->prot_write) strcat(flags, "|VM_WRITE");
  if (m->shared) strcat(flags, "|VM_SHARED");
  strcat(flags, "|VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC");
  if (m->shared) strcat(flags, "|VM_MAYSHARE");
  if (!m->shared && m->prot_write && !m->hugetlb) strcat(flags, "|VM_ACCOUNT");
  if (m->hugetlb) strcat(flags, "|VM_DONTEXPAND|VM_HUGETLB");
  if (m->huge && !m->hugetlb) strcat(flags, "|VM_HUGEPAGE");
  if (m->pfnmap) {
    /* remap_pfn_range() adds these; a COW mapping also gets vm_pgoff = the first pfn (it was
     * already that: /dev/mem's offset is the physical address). mmap_mem() sets no VM_ACCOUNT
     * flag of its own, but a private writable mapping is accounted by mmap_region(). */
    strcat(flags, "|VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP");
    mark("pinbench_vma mm=1 start=%p end=%p flags=%s pgoff=0x%lx backing=pfnmap remapped=1", m->addr,
         m->addr + m->len, flags, m->pfnmap);
    return;
  }
  mark("pinbench_vma mm=1 start=%p end=%p flags=%s backing=%s%s%s%s%s", m->addr, m->addr + m->len,
       flags, m->backing, m->fs ? " fs=" : "", m->fs ? m->fs : "", m->ops ? " ops=" : "",
       m->ops ? m->ops : "");
}

/*
 * One page as the kernel shows it. /proc/kpagecount is the mapcount, not the refcount; the
 * refcount is not exported, so it is derived from what holds references on a mapped user page:
 * one per mapping, +1 for a page-cache page (the cache's own), +1 with PG_private (fs data such as
 * ext4 buffer heads), +1 for a small page not yet on an LRU (a per-CPU LRU-add batch holds it).
 * The recording's try_grab/unpin probes read the real _refcount and confirm or refute this.
 */
static void describe_pages(const struct mapping *m) {
  int zero_declared = 0;
  if (m->pfnmap) {
    /* Page walks skip VM_PFNMAP VMAs (walk_page_test()), pagemap's included, so the entries
     * are the ones remap_pfn_range() wrote: pfn after pfn from the mapped offset, special PTEs
     * (x86 has pte_special), writable in a shared mapping, read-only in a COW one. The legacy
     * VGA window has struct pages (the memmap covers the first MiB) with PG_reserved, and a
     * reserved page keeps the refcount of 1 it was initialised with. */
    for (size_t i = 0; i < m->len / PAGE; i++) {
      uint64_t pfn = m->pfnmap + i;
      uint64_t fl = read_u64_at("/proc/kpageflags", pfn);
      mark("pinbench_page pfn=0x%lx zone=%s kind=reserved refcount=1 mapcount=0 flags=%s isolatable=0", pfn,
           zone_of(pfn), (fl >> KPF_RESERVED) & 1 ? "reserved" : "0");
      mark("pinbench_pte mm=1 addr=%p pfn=0x%lx level=pte special=1 write=%d dirty=0", m->addr + i * PAGE, pfn,
           m->shared);
    }
    return;
  }
  size_t step = m->huge ? (PAGE << m->huge) : PAGE;
  for (char *a = m->addr; a < m->addr + m->len; a += step) {
    uint64_t pfn = pfn_of(a);
    if (!pfn) {
      mark("pinbench_note page addr=%p present=0", a);
      continue;
    }
    uint64_t fl = read_u64_at("/proc/kpageflags", pfn);
    uint64_t mapcount = read_u64_at("/proc/kpagecount", pfn);
#define K(b) ((fl >> (b)) & 1)
    if (K(KPF_ZERO_PAGE) || pfn == zero_pfn) {
      if (!zero_declared++)
        mark("pinbench_page pfn=zero zone=%s kind=zero flags=reserved isolatable=0", zone_of(pfn));
      mark("pinbench_pte mm=1 addr=%p pfn=zero level=pte special=1 write=0", a);
      continue;
    }
    const char *kind = K(KPF_HUGE) ? "hugetlb" : K(KPF_THP) ? "thp" : K(KPF_ANON) ? "anon"
                       : K(KPF_SWAPBACKED) ? "shmem" : "file";
    int large = K(KPF_HUGE) || K(KPF_THP);
    int order = large ? 9 : 0;
    uint64_t head = large ? pfn & ~((1ULL << order) - 1) : pfn;
    int anon = K(KPF_ANON), cache = !anon && !large;
    char flags[128] = "";
#define ADD(s) (strcat(flags, flags[0] ? "," s : s))
    if (K(KPF_LRU)) ADD("lru");
    if ((anon || large) && K(KPF_MAPPEDTODISK)) ADD("exclusive");
    if (K(KPF_DIRTY)) ADD("dirty");
    if (K(KPF_LOCKED)) ADD("locked");
    if (K(KPF_WRITEBACK)) ADD("writeback");
    if (K(KPF_SWAPBACKED)) ADD("swapbacked");
    if (K(KPF_RESERVED)) ADD("reserved");
    uint64_t refcount = mapcount + cache + (cache && K(KPF_PRIVATE)) + (!large && !K(KPF_LRU));
    int write = m->prot_write && m->written && (!(anon || large) || K(KPF_MAPPEDTODISK));
    /* isolatable=1: a user page still in a per-CPU LRU-add batch is not on the LRU yet, but the
     * longterm-pin path drains the batches (lru_add_drain_all()) before it isolates, so it can
     * be migrated all the same. */
    /* nr= covers every pfn of the folio: without it only the head pfn would belong to the folio
     * and a pin of a tail page would count as a pin of a small page of its own. */
    mark("pinbench_page pfn=0x%lx nr=%d zone=%s kind=%s order=%d refcount=%lu mapcount=%lu flags=%s isolatable=1",
         head, 1 << order, zone_of(head), kind, order, refcount, mapcount, flags[0] ? flags : "0");
    mark("pinbench_pte mm=1 addr=%p pfn=0x%lx level=%s special=0 write=%d dirty=%d", a, head,
         large ? "pmd" : "pte", write, (int)K(KPF_DIRTY));
#undef K
#undef ADD
  }
}

/* ---- mappings ------------------------------------------------------------------------------ */

static const char *ext4_dir;

static const char *const MAPPINGS[] = {"zero_ro", "zero_rw", "anon", "memfd", "shm", "ext4_shared",
                                       "ext4_private", "hugetlb", "thp", "devmem", "devmem_private"};
#define NMAPPINGS (sizeof MAPPINGS / sizeof *MAPPINGS)

static void touch(struct mapping *m, int write) {
  for (size_t o = 0; o < m->len; o += PAGE) {
    if (write) m->addr[o] = 1;
    else (void)*(volatile char *)(m->addr + o);
  }
}

static int file_backed(struct mapping *m, const char *path, int shared, int prefill) {
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return -errno;
  char buf[PAGE];
  memset(buf, 'p', sizeof buf);
  for (size_t o = 0; o < m->len; o += PAGE)
    if (write(fd, buf, PAGE) != (ssize_t)PAGE) return -EIO;
  fsync(fd);
  m->fd = fd;
  m->shared = shared;
  m->addr = mmap(NULL, m->len, PROT_READ | PROT_WRITE, shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);
  if (m->addr == MAP_FAILED) return -errno;
  (void)prefill;
  return 0;
}

/* Sets up mapping `name`; returns 0, or -errno with *why naming what failed. */
static int setup_mapping(struct mapping *m, const char *name, const char **why) {
  memset(m, 0, sizeof *m);
  m->name = name;
  m->fd = -1;
  m->len = SMALL_PAGES * PAGE;
  m->backing = "anon";
  int r;
  if (!strcmp(name, "zero_ro") || !strcmp(name, "zero_rw")) {
    m->prot_write = name[5] == 'r' && name[6] == 'w';
    m->title = m->prot_write ? "private anon PROT_READ|PROT_WRITE, read-faulted (zero page)"
                             : "private anon PROT_READ, read-faulted (zero page)";
    m->addr = mmap(NULL, m->len, PROT_READ | (m->prot_write ? PROT_WRITE : 0),
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m->addr == MAP_FAILED) return *why = "mmap", -errno;
    touch(m, 0);
  } else if (!strcmp(name, "anon")) {
    m->title = "private anon PROT_READ|PROT_WRITE, written";
    m->prot_write = m->written = 1;
    m->addr = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m->addr == MAP_FAILED) return *why = "mmap", -errno;
    touch(m, 1);
  } else if (!strcmp(name, "memfd")) {
    m->title = "memfd MAP_SHARED, written";
    m->prot_write = m->written = m->shared = 1;
    m->backing = "shmem";
    m->fs = "tmpfs";
    m->fd = syscall(SYS_memfd_create, "pinbench", MFD_CLOEXEC);
    if (m->fd < 0) return *why = "memfd_create", -errno;
    if (ftruncate(m->fd, m->len)) return *why = "ftruncate", -errno;
    m->addr = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
    if (m->addr == MAP_FAILED) return *why = "mmap", -errno;
    touch(m, 1);
  } else if (!strcmp(name, "shm")) {
    m->title = "tmpfs file /dev/shm/pinbench MAP_SHARED, written";
    m->prot_write = m->written = 1;
    m->backing = "shmem";
    m->fs = "tmpfs";
    if ((r = file_backed(m, "/dev/shm/pinbench", 1, 1))) return *why = "/dev/shm file", r;
    touch(m, 1);
  } else if (!strcmp(name, "ext4_shared") || !strcmp(name, "ext4_private")) {
    int shared = name[5] == 's';
    char path[256];
    if (!ext4_dir) return *why = "no ext4 mount in the guest", -ENOENT;
    snprintf(path, sizeof path, "%s/pinbench-%s", ext4_dir, name);
    m->title = shared ? "ext4 file MAP_SHARED, written" : "ext4 file MAP_PRIVATE, read-faulted";
    m->prot_write = 1;
    m->written = shared;
    m->backing = "file";
    m->fs = "ext4";
    m->ops = "page_mkwrite";
    if ((r = file_backed(m, path, shared, 1))) return *why = "ext4 file", r;
    touch(m, shared);
  } else if (!strcmp(name, "hugetlb")) {
    m->title = "private anon MAP_HUGETLB 2 MiB, written";
    m->len = HUGE_SIZE;
    m->prot_write = m->written = 1;
    m->backing = "hugetlb";
    m->fs = "hugetlbfs";
    m->huge = 9;
    m->hugetlb = 1;
    m->addr = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    if (m->addr == MAP_FAILED) return *why = "mmap(MAP_HUGETLB): no free 2 MiB huge page", -errno;
    touch(m, 1);
  } else if (!strcmp(name, "thp")) {
    m->title = "private anon 2 MiB aligned, MADV_HUGEPAGE, written";
    m->len = HUGE_SIZE;
    m->prot_write = m->written = 1;
    m->huge = 9;
    char *raw = mmap(NULL, 2 * HUGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return *why = "mmap", -errno;
    m->addr = (char *)(((uintptr_t)raw + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1));
    if (madvise(m->addr, m->len, MADV_HUGEPAGE)) return *why = "madvise(MADV_HUGEPAGE)", -errno;
    m->addr[0] = 1; /* one fault maps the whole PMD when a huge page is available */
    if (!(read_u64_at("/proc/kpageflags", pfn_of(m->addr)) >> KPF_THP & 1))
      return *why = "the fault did not get a transparent huge page", -ENOMEM;
  } else if (!strcmp(name, "devmem") || !strcmp(name, "devmem_private")) {
    /* The legacy VGA window: not System RAM, so CONFIG_STRICT_DEVMEM lets root map it, and
     * mmap_mem() maps it with remap_pfn_range(): VM_IO|VM_PFNMAP, special PTEs, no references.
     * MAP_PRIVATE makes it a COW mapping (is_cow_mapping(), vm_pgoff the first pfn), left
     * unwritten: a write fault would put anon copies there, whose pfns no page walk can read. */
    int cow = name[6] == '_';
    m->title = cow ? "/dev/mem MAP_PRIVATE at 0xA0000 (COW pfnmap, not written)"
                   : "/dev/mem MAP_SHARED at 0xA0000 (pfnmap, remap_pfn_range)";
    m->prot_write = 1;
    m->shared = !cow;
    m->backing = "pfnmap";
    m->pfnmap = DEVMEM_BASE / PAGE;
    m->fd = open("/dev/mem", O_RDWR | O_SYNC);
    if (m->fd < 0) return *why = "open /dev/mem (CONFIG_DEVMEM)", -errno;
    m->addr = mmap(NULL, m->len, PROT_READ | PROT_WRITE, cow ? MAP_PRIVATE : MAP_SHARED, m->fd, DEVMEM_BASE);
    if (m->addr == MAP_FAILED) return *why = "mmap /dev/mem at 0xA0000", -errno;
  } else {
    return *why = "unknown mapping", -EINVAL;
  }
  return 0;
}

static void teardown_mapping(struct mapping *m) {
  if (m->addr && m->addr != MAP_FAILED) munmap(m->addr, m->len);
  if (m->fd >= 0) close(m->fd);
}

/* ---- the APIs ------------------------------------------------------------------------------ */

static long ret_of(long r) { return r < 0 ? -errno : r; }

static int ring_fd = -1;

static int io_uring_ready(const char **why) {
  if (ring_fd >= 0) return 0;
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  ring_fd = syscall(SYS_io_uring_setup, 4, &p);
  if (ring_fd < 0) return *why = "io_uring_setup failed", -errno;
  return 0;
}

static int api_io_uring(struct mapping *m) {
  struct iovec iov = {m->addr, m->len};
  long r = ret_of(syscall(SYS_io_uring_register, ring_fd, IORING_REGISTER_BUFFERS, &iov, 1));
  mark("io_uring_register_buffers mm=1 addr=%p len=%zu ret=%ld", m->addr, m->len, r);
  mark("pinbench_expect ret=%ld scope=%s", r, expect_scope);
  if (r == 0) {
    long u = ret_of(syscall(SYS_io_uring_register, ring_fd, IORING_UNREGISTER_BUFFERS, NULL, 0));
    mark("io_uring_unregister_buffers mm=1 ret=%ld", u);
  }
  return 0;
}

static int container_fd = -1;
static const char *vfio_group;

static const char *vfio_failed;
static int vfio_errno;

static int vfio_open(const char **why);
/* Opens the container once; a failure is remembered (a half-opened group stays busy). */
static int vfio_ready(const char **why) {
  if (container_fd >= 0) return 0;
  if (vfio_failed) return *why = vfio_failed, vfio_errno;
  int r = vfio_open(why);
  if (r) vfio_failed = *why, vfio_errno = r;
  return r;
}

static int vfio_open(const char **why) {
  if (!vfio_group) return *why = "no VFIO group in the guest (vfio-pci did not bind the test device)", -ENODEV;
  int c = open("/dev/vfio/vfio", O_RDWR);
  if (c < 0) return *why = "open /dev/vfio/vfio", -errno;
  int g = open(vfio_group, O_RDWR);
  if (g < 0) return *why = "open the VFIO group", -errno;
  struct vfio_group_status st = {.argsz = sizeof st};
  if (ioctl(g, VFIO_GROUP_GET_STATUS, &st) || !(st.flags & VFIO_GROUP_FLAGS_VIABLE))
    return *why = "VFIO group not viable", -EINVAL;
  if (ioctl(g, VFIO_GROUP_SET_CONTAINER, &c)) return *why = "VFIO_GROUP_SET_CONTAINER", -errno;
  if (ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) return *why = "VFIO_SET_IOMMU(TYPE1v2)", -errno;
  container_fd = c;
  return 0;
}

static int api_vfio(struct mapping *m, int rw) {
  const char *flags = rw ? "READ|WRITE" : "READ";
  uint64_t iova = 0x100000;
  for (int cycle = 0; cycle < VFIO_CYCLES; cycle++) {
    struct vfio_iommu_type1_dma_map map = {.argsz = sizeof map,
                                           .flags = VFIO_DMA_MAP_FLAG_READ | (rw ? VFIO_DMA_MAP_FLAG_WRITE : 0),
                                           .vaddr = (uintptr_t)m->addr,
                                           .iova = iova,
                                           .size = m->len};
    long r = ret_of(ioctl(container_fd, VFIO_IOMMU_MAP_DMA, &map));
    mark("vfio_map_dma container=1 mm=1 iova=0x%lx vaddr=%p size=%zu flags=%s ret=%ld", iova, m->addr,
         m->len, flags, r);
    mark("pinbench_expect ret=%ld scope=%s", r, expect_scope);
    if (r != 0) break;
    struct vfio_iommu_type1_dma_unmap unmap = {.argsz = sizeof unmap, .iova = iova, .size = m->len};
    long u = ret_of(ioctl(container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap));
    /* UNMAP_DMA returns 0 and writes the unmapped size back; the model's ret is the 0. */
    mark("vfio_unmap_dma container=1 mm=1 iova=0x%lx size=%zu ret=%ld", iova, m->len, u);
  }
  return 0;
}

/* process_vm_readv/writev on our own pid: the kernel pins the "remote" pages (the mapping)
 * with pin_user_pages_remote(), FOLL_WRITE when writing to them. */
static int api_pvm(struct mapping *m, int write_remote) {
  char *local = malloc(m->len);
  memset(local, 'l', m->len);
  struct iovec l = {local, m->len}, r = {m->addr, m->len};
  size_t pages = m->len / PAGE;
  mark("pin_user_pages_remote mm=1 start=%p nr_pages=%zu gup_flags=%s locked=1 pages=1", m->addr,
       pages > 512 ? (size_t)512 : pages, write_remote ? "FOLL_WRITE" : "0");
  long n = write_remote ? process_vm_writev(getpid(), &l, 1, &r, 1, 0)
                        : process_vm_readv(getpid(), &l, 1, &r, 1, 0);
  n = ret_of(n);
  mark("pinbench_note syscall=%s ret=%ld", write_remote ? "process_vm_writev" : "process_vm_readv", n);
  /* process_vm_rw_pages() releases what it pinned with unpin_user_pages_dirty_lock(). */
  if (n > 0) mark("unpin_user_pages_dirty_lock of=0 make_dirty=%d", write_remote);
  free(local);
  return 0;
}

/* ---- O_DIRECT, vmsplice, MADV_POPULATE ---------------------------------------------------- */

/* The I/O of these cases covers the first IO_PAGES pages of the mapping (inside the huge page of
 * the hugetlb and THP mappings): one GUP call in every kernel (a bio and a pipe both take 16). */
#define IO_PAGES 4

/* Release-dependent GUP API of block O_DIRECT: up to 6.4 bio_iov_iter_get_pages() took page
 * references through iov_iter_get_pages() -> get_user_pages_fast() (FOLL_GET, dropped with
 * put_page() by bio_release_pages()); from 6.5 it pins them through iov_iter_extract_pages() ->
 * pin_user_pages_fast() (FOLL_PIN, dropped with unpin_user_page()). The kretprobe on whichever
 * the kernel calls gives the call's observed return; the other one's probe stays silent. */
static int dio_pins(void) { return major_v > 6 || (major_v == 6 && minor_v >= 5); }

static int dio_fd = -1;

/* A 4-page file on the ext4 loop mount, its blocks allocated and written (a read of a hole
 * copies zeroes and never pins), opened O_DIRECT. tmpfs/ramfs refuse O_DIRECT before 6.6, so
 * without the ext4 mount the case says it cannot run. */
static int dio_ready(const char **why) {
  if (dio_fd >= 0) return 0;
  if (!ext4_dir) return *why = "no ext4 mount in the guest: O_DIRECT needs a block filesystem (tmpfs lacks it before 6.6)", -ENOENT;
  char path[256], buf[PAGE];
  snprintf(path, sizeof path, "%s/pinbench-dio", ext4_dir);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return *why = "create the O_DIRECT file", -errno;
  memset(buf, 'd', sizeof buf);
  for (int i = 0; i < IO_PAGES; i++)
    if (write(fd, buf, PAGE) != (ssize_t)PAGE) return close(fd), *why = "write the O_DIRECT file", -EIO;
  fsync(fd);
  close(fd);
  dio_fd = open(path, O_RDWR | O_DIRECT);
  if (dio_fd < 0) return *why = "open(O_DIRECT) on ext4", -errno;
  return 0;
}

/* arg 0: O_DIRECT read (the device writes into the user buffer: FOLL_WRITE); 1: O_DIRECT write. */
static int api_odirect(struct mapping *m, int to_file) {
  const char *api = dio_pins() ? "pin_user_pages_fast" : "get_user_pages_fast";
  mark("%s mm=1 start=%p nr_pages=%d gup_flags=%s pages=1", api, m->addr, IO_PAGES, to_file ? "0" : "FOLL_WRITE");
  long n = to_file ? pwrite(dio_fd, m->addr, IO_PAGES * PAGE, 0) : pread(dio_fd, m->addr, IO_PAGES * PAGE, 0);
  n = ret_of(n);
  mark("pinbench_note syscall=%s ret=%ld", to_file ? "pwrite(O_DIRECT)" : "pread(O_DIRECT)", n);
  /* bio_release_pages() at completion: put_page() (FOLL_GET era) or unpin_user_page(); a read
   * dirties the pages first (bio_set_pages_dirty()). */
  if (n > 0) {
    if (dio_pins()) mark("unpin_user_pages_dirty_lock of=0 make_dirty=%d", !to_file);
    else mark("put_page of=0");
  }
  return 0;
}

/* vmsplice() of the mapping into a pipe: iter_to_pipe() takes references with
 * iov_iter_get_pages(2)() -> get_user_pages_fast(), no FOLL_WRITE (the pages are a source); the
 * pipe holds them until it is read, then pipe_buf_release() puts them. */
static int api_vmsplice(struct mapping *m, int arg) {
  (void)arg;
  int p[2];
  if (pipe(p)) return -errno;
  struct iovec iov = {m->addr, IO_PAGES * PAGE};
  mark("get_user_pages_fast mm=1 start=%p nr_pages=%d gup_flags=0 pages=1", m->addr, IO_PAGES);
  long n = ret_of(syscall(SYS_vmsplice, p[1], &iov, 1UL, 0U));
  mark("pinbench_note syscall=vmsplice ret=%ld", n);
  if (n > 0) {
    char *sink = malloc(n);
    long got = read(p[0], sink, n);
    free(sink);
    mark("pinbench_note syscall=read(pipe) ret=%ld", ret_of(got));
    mark("put_page of=0");
  }
  close(p[0]);
  close(p[1]);
  return 0;
}

static int populate_ready(const char **why) {
  if (major_v > 5 || (major_v == 5 && minor_v >= 14)) return 0;
  return *why = "MADV_POPULATE_READ/WRITE came in 5.14 (4ca9b3859dac); this kernel answers -EINVAL", -EINVAL;
}

/* madvise(MADV_POPULATE_READ/WRITE): faultin_vma_page_range()/faultin_page_range() run
 * __get_user_pages() without a pages array; the syscall's return is the observed result. */
static int api_populate(struct mapping *m, int write) {
  const char *advice = write ? "MADV_POPULATE_WRITE" : "MADV_POPULATE_READ";
  long r = ret_of(madvise(m->addr, IO_PAGES * PAGE, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ));
  mark("madvise mm=1 start=%p len=%lu advice=%s ret=%ld", m->addr, IO_PAGES * PAGE, advice, r);
  mark("pinbench_expect ret=%ld scope=%s", r, expect_scope);
  return 0;
}

/* pread/pwrite of /proc/self/mem, a page at a time: mem_rw() -> access_remote_vm() takes the page
 * with get_user_pages_remote(mm, addr, 1, flags, &page, NULL) (5.10 and 6.1 pass a vmas array
 * too; from 6.5 through get_user_page_vma_remote()), locked NULL, copies, and puts it. flags is
 * FOLL_WRITE for a write, plus FOLL_FORCE where proc_mem_foll_force() allows it (the kernel's
 * CONFIG_PROC_MEM_*: Debian's 5.10, 6.1 and 6.12 force always, its 7.2 only for a tracer), so a
 * forced write to a read-only private mapping breaks COW and an unforced one is refused. A page
 * GUP refuses (VM_IO|VM_PFNMAP) is copied through the VMA's ->access (/dev/mem:
 * generic_access_phys()) and the syscall succeeds all the same: only the kretprobe says what GUP
 * returned, and no page is put there. */
static int procmem_ready(const char **why) {
  if (strcmp(proc_mem_force, "unknown")) return 0;
  return *why = "whether /proc/self/mem writes get FOLL_FORCE depends on CONFIG_PROC_MEM_*, and this kernel's config is not known", -ENOENT;
}

static int api_procmem(struct mapping *m, int write) {
  /* FOLL_FORCE only where proc_mem_foll_force() gives it to a process writing its own memory:
   * "ptrace" needs a tracer, and this process has none. */
  int force = !strcmp(proc_mem_force, "always");
  const char *flags = write ? (force ? "FOLL_FORCE|FOLL_WRITE" : "FOLL_WRITE") : (force ? "FOLL_FORCE" : "0");
  int fd = open("/proc/self/mem", O_RDWR);
  if (fd < 0) return -errno;
  char buf[PAGE];
  memset(buf, 'm', sizeof buf);
  int seq = 0;
  for (int i = 0; i < IO_PAGES; i++) {
    char *a = m->addr + i * PAGE;
    mark("get_user_pages_remote mm=1 start=%p nr_pages=1 gup_flags=%s locked=null pages=1", a, flags);
    long n = ret_of(write ? pwrite(fd, buf, PAGE, (off_t)(uintptr_t)a) : pread(fd, buf, PAGE, (off_t)(uintptr_t)a));
    mark("pinbench_note syscall=%s ret=%ld", write ? "pwrite(/proc/self/mem)" : "pread(/proc/self/mem)", n);
    if (n > 0 && !m->pfnmap) {
      mark("put_page of=%d", seq);
      seq += 2;
    } else {
      seq += 1;
    }
  }
  close(fd);
  return 0;
}

/* move_pages(2) with no target nodes only reports where each page is: do_pages_stat_array()
 * walks to the folio with folio_walk_start(FW_ZEROPAGE) from 6.12 (6.12.118 mm/migrate.c:2424;
 * 6.1.192 still uses follow_page(), and folio_walk_start() itself, aa39ca6940f1, is new in 6.12).
 * Its status tells what the walk returned: a node (>= 0) for a folio, -EFAULT
 * for the zero page (or no VMA, which cannot happen here), -ENOENT for NULL (or a ZONE_DEVICE
 * folio, which no mapping here has). The call is written as the walk it makes, with the page it
 * returned named as the model names it: the pfn of the leaf entry (a huge folio's head). */
static int pagewalk_ready(const char **why) {
  if (major_v > 6 || (major_v == 6 && minor_v >= 12)) return 0;
  return *why = "move_pages() walks with follow_page() before 6.12: folio_walk_start() came in 6.12 (aa39ca6940f1)", -ENOSYS;
}

static int api_pagewalk(struct mapping *m, int arg) {
  (void)arg;
  size_t step = m->huge ? (PAGE << m->huge) : PAGE;
  for (char *a = m->addr; a < m->addr + m->len && a < m->addr + IO_PAGES * step; a += step) {
    void *page = a;
    int status = 0;
    long r = ret_of(syscall(SYS_move_pages, 0, 1UL, &page, NULL, &status, 0));
    char ret[32];
    if (r != 0) {
      mark("pinbench_note syscall=move_pages ret=%ld", r);
      return 0;
    }
    uint64_t pfn = pfn_of(a);
    if (status >= 0) snprintf(ret, sizeof ret, "0x%lx", (uint64_t)(m->huge ? pfn & ~((1ULL << m->huge) - 1) : pfn));
    else if (status == -EFAULT) snprintf(ret, sizeof ret, "zero");
    else if (status == -ENOENT) snprintf(ret, sizeof ret, "NULL");
    else snprintf(ret, sizeof ret, "%d", status);
    mark("pinbench_note syscall=move_pages status=%d", status);
    mark("folio_walk_start mm=1 addr=%p flags=FW_ZEROPAGE ret=%s", a, ret);
    mark("pinbench_expect ret=%s scope=%s", ret, expect_scope);
  }
  return 0;
}

struct api {
  const char *name;
  int (*ready)(const char **why);
  int (*run)(struct mapping *m, int arg);
  int arg;
  const char *title;
};

static int run_io_uring(struct mapping *m, int arg) { (void)arg; return api_io_uring(m); }

static const struct api APIS[] = {
    {"io_uring", io_uring_ready, run_io_uring, 0, "io_uring IORING_REGISTER_BUFFERS"},
    {"vfio_ro", vfio_ready, api_vfio, 0, "VFIO_IOMMU_MAP_DMA READ, 3 map/unmap cycles"},
    {"vfio_rw", vfio_ready, api_vfio, 1, "VFIO_IOMMU_MAP_DMA READ|WRITE, 3 map/unmap cycles"},
    {"pvm_readv", NULL, api_pvm, 0, "process_vm_readv from the mapping"},
    {"pvm_writev", NULL, api_pvm, 1, "process_vm_writev into the mapping"},
    {"odirect_read", dio_ready, api_odirect, 0, "O_DIRECT pread from ext4 into the mapping (first 4 pages)"},
    {"odirect_write", dio_ready, api_odirect, 1, "O_DIRECT pwrite to ext4 from the mapping (first 4 pages)"},
    {"vmsplice", NULL, api_vmsplice, 0, "vmsplice of the mapping's first 4 pages into a pipe"},
    {"populate_read", populate_ready, api_populate, 0, "madvise(MADV_POPULATE_READ) of the first 4 pages"},
    {"populate_write", populate_ready, api_populate, 1, "madvise(MADV_POPULATE_WRITE) of the first 4 pages"},
    {"procmem_read", procmem_ready, api_procmem, 0, "pread of /proc/self/mem (FOLL_FORCE), a page at a time, first 4 pages"},
    {"procmem_write", procmem_ready, api_procmem, 1, "pwrite of /proc/self/mem (FOLL_FORCE|FOLL_WRITE), a page at a time, first 4 pages"},
    {"pagewalk", pagewalk_ready, api_pagewalk, 0, "move_pages() status query (folio_walk_start) of the first 4 pages"},
};
#define NAPIS (sizeof APIS / sizeof *APIS)

/* ---- main ---------------------------------------------------------------------------------- */

static int selected(const char *list, const char *api, const char *map) {
  if (!list) return 1;
  char name[64];
  snprintf(name, sizeof name, "%s.%s", api, map);
  char *copy = strdup(list), *save = NULL;
  int hit = 0;
  for (char *t = strtok_r(copy, ",", &save); t && !hit; t = strtok_r(NULL, ",", &save))
    hit = !strcmp(t, name) || !strcmp(t, api) || !strcmp(t, map);
  free(copy);
  return hit;
}

/* Whether a /proc file has a line starting with `key`. */
static int proc_has(const char *path, const char *key) {
  FILE *f = fopen(path, "r");
  char line[256];
  int hit = 0;
  if (!f) return 0;
  while (!hit && fgets(line, sizeof line, f)) hit = !strncmp(line, key, strlen(key));
  fclose(f);
  return hit;
}

static void config_line(const char *facts) {
  struct utsname u;
  uname(&u);
  sscanf(u.release, "%d.%d", &major_v, &minor_v);
  set_expect_scope(u.release);
  struct rlimit rl;
  getrlimit(RLIMIT_MEMLOCK, &rl);
  char extra[256] = "";
  FILE *f = facts ? fopen(facts, "r") : NULL;
  if (f) {
    if (!fgets(extra, sizeof extra, f)) extra[0] = 0;
    extra[strcspn(extra, "\n")] = 0;
    char pkg[512];
    if (fgets(pkg, sizeof pkg, f) && pkg[0] != '\n') {
      pkg[strcspn(pkg, "\n")] = 0;
      mark("recording %s", pkg);
    }
    char force[64];
    if (fgets(force, sizeof force, f)) sscanf(force, "proc_mem_force=%15s", proc_mem_force);
    fclose(f);
  }
  /* CONFIG_CMA and CONFIG_MIGRATION as the running kernel shows them, not as a package says:
   * /proc/meminfo has CmaTotal only with CMA, /proc/vmstat pgmigrate_success only with MIGRATION. */
  int cma = proc_has("/proc/meminfo", "CmaTotal:"), migration = proc_has("/proc/vmstat", "pgmigrate_success ");
  /* Root in the guest holds CAP_IPC_LOCK: io_uring and VFIO then skip the memlock limit. */
  mark("pinbench_config kernel=%s arch=x86_64 zero_pfn=0x%lx memlock_pages=%lu lock_cap=%d cma=%d migration=%d %s",
       u.release, zero_pfn, rl.rlim_cur == RLIM_INFINITY ? 0x7fffffffUL : rl.rlim_cur / PAGE,
       geteuid() == 0, cma, migration, extra);
}

int main(int argc, char **argv) {
  const char *cases = NULL, *facts = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--page-offsets")) return page_offsets();
    if (!strcmp(argv[i], "--cases") && i + 1 < argc) cases = argv[++i];
    else if (!strcmp(argv[i], "--ext4") && i + 1 < argc) ext4_dir = argv[++i];
    else if (!strcmp(argv[i], "--vfio-group") && i + 1 < argc) vfio_group = argv[++i];
    else if (!strcmp(argv[i], "--facts") && i + 1 < argc) facts = argv[++i];
  }
  marker_fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY);
  read_zones();
  /* The shared zero page's pfn: a read fault of private anon memory maps it. */
  char *z = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  (void)*(volatile char *)z;
  zero_pfn = pfn_of(z);
  munmap(z, PAGE);
  config_line(facts);

  for (size_t a = 0; a < NAPIS; a++) {
    for (size_t i = 0; i < NMAPPINGS; i++) {
      if (!selected(cases, APIS[a].name, MAPPINGS[i])) continue;
      struct mapping m;
      const char *why = NULL;
      int r = setup_mapping(&m, MAPPINGS[i], &why);
      mark("pinbench_scenario name=%s.%s title=\"%s over %s\"", APIS[a].name, MAPPINGS[i], APIS[a].title,
           m.title ? m.title : MAPPINGS[i]);
      if (r == 0 && APIS[a].ready) r = APIS[a].ready(&why);
      if (r != 0) {
        mark("skip reason=\"%s: %s\"", why ? why : "setup", strerror(-r));
        teardown_mapping(&m);
        continue;
      }
      describe_vma(&m);
      describe_pages(&m);
      APIS[a].run(&m, APIS[a].arg);
      teardown_mapping(&m);
    }
  }
  mark("done");
  return 0;
}
