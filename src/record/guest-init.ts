/**
 * The guest side of a recording: the probe definitions and the /init script of the initramfs.
 *
 * The init mounts what the cases need, loads the modules (given in load order), binds qemu's
 * pci-testdev to vfio-pci so the VFIO cases have a group, reads the running kernel's struct page
 * layout from its BTF (`/pinbench --page-offsets`) and fills it into the probe definitions, defines
 * every probe whose function exists in /proc/kallsyms (the rest are listed as skipped: inlined or
 * absent in that build), runs the workload with tracing on, and sends sections back over the
 * second serial port (/dev/ttyS1): `info`, `status`, `trace.gz.b64` (the tracefs trace, gzipped
 * and base64-encoded: the emulated UART is the slowest part of a recording), then `done`.
 */

/** Section delimiters on the data serial port. */
export const SECTION_BEGIN = '==pinbench== begin ';
export const SECTION_END = '==pinbench== end ';
export const SECTION_DONE = '==pinbench== done';

/** The probe group every definition lives in. */
export const PROBE_GROUP = 'pb';

/**
 * kprobes/kretprobes on the pinning paths pinbench models, arguments by position. `@RC@`, `@MC@`
 * and `@FL@` are replaced in the guest by the offsets of `_refcount`, `_mapcount` and `flags`
 * inside struct page, read from that kernel's BTF. A return probe is named `<function>_ret`, the
 * name the event stream pairs with a vocabulary call of the same task.
 */
export const PROBES: readonly string[] = [
  'p:pb/pin_user_pages_remote pin_user_pages_remote mm=$arg1:x64 start=$arg2:x64 nr_pages=$arg3:u64 gup_flags=$arg4:x32',
  'r:pb/pin_user_pages_remote_ret pin_user_pages_remote ret=$retval:s64',
  'p:pb/get_user_pages_remote get_user_pages_remote mm=$arg1:x64 start=$arg2:x64 nr_pages=$arg3:u64 gup_flags=$arg4:x32',
  'r:pb/get_user_pages_remote_ret get_user_pages_remote ret=$retval:s64',
  'p:pb/pin_user_pages pin_user_pages start=$arg1:x64 nr_pages=$arg2:u64 gup_flags=$arg3:x32',
  'r:pb/pin_user_pages_ret pin_user_pages ret=$retval:s64',
  'p:pb/pin_user_pages_fast pin_user_pages_fast start=$arg1:x64 nr_pages=$arg2:s32 gup_flags=$arg3:x32',
  'r:pb/pin_user_pages_fast_ret pin_user_pages_fast ret=$retval:s32',
  'p:pb/get_user_pages_fast get_user_pages_fast start=$arg1:x64 nr_pages=$arg2:s32 gup_flags=$arg3:x32',
  'r:pb/get_user_pages_fast_ret get_user_pages_fast ret=$retval:s32',
  'p:pb/__get_user_pages __get_user_pages mm=$arg1:x64 start=$arg2:x64 nr_pages=$arg3:u64 gup_flags=$arg4:x32',
  'r:pb/__get_user_pages_ret __get_user_pages ret=$retval:s64',
  'p:pb/check_vma_flags check_vma_flags vma=$arg1:x64 gup_flags=$arg2:x32 vmemmap_base=@vmemmap_base:x64',
  'r:pb/check_vma_flags_ret check_vma_flags ret=$retval:s32',
  'p:pb/try_grab_page try_grab_page page=$arg1:x64 flags=$arg2:x32 refcount=+@RC@($arg1):s32 mapcount=+@MC@($arg1):s32',
  'r:pb/try_grab_page_ret try_grab_page ret=$retval:s32',
  'p:pb/try_grab_folio try_grab_folio page=$arg1:x64 refs=$arg2:s32 flags=$arg3:x32 refcount=+@RC@($arg1):s32',
  'r:pb/try_grab_folio_ret try_grab_folio ret=$retval:x64',
  'p:pb/gup_put_folio gup_put_folio folio=$arg1:x64 refs=$arg2:s32 flags=$arg3:x32 refcount=+@RC@($arg1):s32',
  'p:pb/unpin_user_page unpin_user_page page=$arg1:x64 refcount=+@RC@($arg1):s32',
  'p:pb/unpin_user_pages unpin_user_pages pages=$arg1:x64 npages=$arg2:u64 page0=+0($arg1):x64 page0_refcount=+@RC@(+0($arg1)):s32',
  'p:pb/wp_page_copy wp_page_copy vmf=$arg1:x64',
  // MADV_POPULATE_READ/WRITE: faultin_vma_page_range() (v5.14 .. v6.8), faultin_page_range() (v6.9+).
  'p:pb/faultin_vma_page_range faultin_vma_page_range vma=$arg1:x64 start=$arg2:x64 end=$arg3:x64 write=$arg4:u8',
  'r:pb/faultin_vma_page_range_ret faultin_vma_page_range ret=$retval:s64',
  'p:pb/faultin_page_range faultin_page_range mm=$arg1:x64 start=$arg2:x64 end=$arg3:x64 write=$arg4:u8',
  'r:pb/faultin_page_range_ret faultin_page_range ret=$retval:s64',
  'p:pb/io_pin_pages io_pin_pages ubuf=$arg1:x64 len=$arg2:u64',
  'r:pb/io_pin_pages_ret io_pin_pages ret=$retval:x64',
  'p:pb/io_sqe_buffer_register io_sqe_buffer_register ctx=$arg1:x64',
  'r:pb/io_sqe_buffer_register_ret io_sqe_buffer_register ret=$retval:s32',
  'p:pb/io_sqe_buffers_register io_sqe_buffers_register ctx=$arg1:x64 nr_args=$arg3:u32',
  'r:pb/io_sqe_buffers_register_ret io_sqe_buffers_register ret=$retval:s32',
  'p:pb/vfio_pin_pages_remote vfio_pin_pages_remote dma=$arg1:x64 vaddr=$arg2:x64 npage=$arg3:u64',
  'r:pb/vfio_pin_pages_remote_ret vfio_pin_pages_remote ret=$retval:s64',
  'p:pb/vfio_unpin_pages_remote vfio_unpin_pages_remote dma=$arg1:x64 iova=$arg2:x64 pfn=$arg3:x64 npage=$arg4:u64',
  'r:pb/vfio_unpin_pages_remote_ret vfio_unpin_pages_remote ret=$retval:s64',
  'p:pb/vaddr_get_pfns vaddr_get_pfns mm=$arg1:x64 vaddr=$arg2:x64 npages=$arg3:u64 prot=$arg4:x32',
  'r:pb/vaddr_get_pfns_ret vaddr_get_pfns ret=$retval:s64',
  'p:pb/vaddr_get_pfn vaddr_get_pfn mm=$arg1:x64 vaddr=$arg2:x64 prot=$arg3:x32',
  'r:pb/vaddr_get_pfn_ret vaddr_get_pfn ret=$retval:s32',
];

/** Tracepoints enabled beside the probes (absent ones are skipped). */
export const TRACEPOINTS: readonly string[] = [
  'io_uring/io_uring_register',
  'migrate/mm_migrate_pages',
  'migrate/mm_migrate_pages_start',
];

export interface GuestInitOptions {
  /** Module file names under /lib/modules, in load order. */
  modules: readonly string[];
  /** Workload arguments after the fixed ones (`--cases a,b`). */
  workloadArgs: readonly string[];
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function guestInit(opts: GuestInitOptions): string {
  const probes = PROBES.join('\n');
  return `#!/bin/busybox sh
# pinbench record: guest init (generated by src/record/guest-init.ts)
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /tmp /mnt/ext4
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/shm
mount -t tmpfs tmpfs /dev/shm
T=/sys/kernel/tracing
mount -t tracefs tracefs $T 2>/dev/null || T=/sys/kernel/debug/tracing
[ -d $T/events ] || { mount -t debugfs debugfs /sys/kernel/debug; T=/sys/kernel/debug/tracing; }
OUT=/dev/ttyS1
STATUS=/tmp/status
: > $STATUS
note() { echo "$*" >> $STATUS; echo "[pinbench-init] $*"; }

for m in ${opts.modules.join(' ')}; do
  # Interrupt remapping is off (qemu's TCG IO-APIC cannot remap the timer), so VFIO type1 must be
  # told that unisolated MSIs are acceptable: the guest has no other devices to protect.
  args=""; [ $m = vfio_iommu_type1 ] && args="allow_unsafe_interrupts=1"
  if insmod /lib/modules/$m.ko $args 2>/tmp/insmod.err; then note "module $m loaded"; else note "module $m failed: $(cat /tmp/insmod.err)"; fi
done

EXT4_ARGS=""
[ -e /dev/loop0 ] || mknod /dev/loop0 b 7 0
if mount -t ext4 -o loop /ext4.img /mnt/ext4 2>/tmp/mount.err; then
  EXT4_ARGS="--ext4 /mnt/ext4"; note "ext4 mounted on /mnt/ext4"
else
  note "ext4 not mounted: $(cat /tmp/mount.err)"
fi

VFIO_ARGS=""
for d in /sys/bus/pci/devices/*; do
  if [ "$(cat $d/vendor)" = 0x1b36 ] && [ "$(cat $d/device)" = 0x0005 ]; then
    echo vfio-pci > $d/driver_override
    echo \${d##*/} > /sys/bus/pci/drivers_probe 2>/dev/null
    g=$(readlink $d/iommu_group 2>/dev/null)
    if [ -n "$g" ] && [ -e /dev/vfio/\${g##*/} ]; then
      VFIO_ARGS="--vfio-group /dev/vfio/\${g##*/}"; note "pci-testdev \${d##*/} bound to vfio-pci, group \${g##*/}"
    else
      note "pci-testdev \${d##*/}: no VFIO group (driver $(readlink $d/driver))"
    fi
  fi
done

# struct page layout of this build, from its BTF
OFFSETS=$(/pinbench --page-offsets)
note "struct page: $OFFSETS"
eval "$OFFSETS"

cat > /tmp/probes.in <<'PINBENCH_PROBES'
${probes}
PINBENCH_PROBES
sed -e "s/@RC@/\${refcount:-52}/g" -e "s/@MC@/\${mapcount:-48}/g" -e "s/@FL@/\${flags:-0}/g" /tmp/probes.in > /tmp/probes

echo 0 > $T/tracing_on
echo 16384 > $T/buffer_size_kb
echo > $T/trace
echo > $T/kprobe_events
while read -r def; do
  [ -z "$def" ] && continue
  set -- $def
  # Define first, ask kallsyms only on refusal: grepping it per probe is slow under TCG.
  if echo "$def" >> $T/kprobe_events 2>/dev/null; then note "probe defined: $def"
  elif ! grep -qE " [tT] $2([[:space:]]|\\$)" /proc/kallsyms; then note "probe skipped: $1 ($2 not in /proc/kallsyms: inlined or absent)"
  else note "probe refused: $def"; fi
done < /tmp/probes
if [ -d $T/events/${PROBE_GROUP} ]; then
  echo 'comm == "pinbench"' > $T/events/${PROBE_GROUP}/filter
  echo 1 > $T/events/${PROBE_GROUP}/enable
fi
for e in ${TRACEPOINTS.join(' ')}; do
  if [ -d $T/events/$e ]; then echo 'comm == "pinbench"' > $T/events/$e/filter; echo 1 > $T/events/$e/enable; note "tracepoint $e enabled"; else note "tracepoint $e absent"; fi
done

{
  echo "${SECTION_BEGIN}info"
  echo "uname: $(uname -a)"
  echo "cmdline: $(cat /proc/cmdline)"
  echo "zones:"; grep -E '^Node|spanned|present|managed|start_pfn' /proc/zoneinfo
  echo "meminfo:"; grep -E 'MemTotal|Huge|CmaTotal' /proc/meminfo
  echo "thp: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"
  echo "mounts:"; cat /proc/mounts
  echo "${SECTION_END}info"
} > $OUT

echo 1 > $T/tracing_on
/pinbench --facts /facts $EXT4_ARGS $VFIO_ARGS ${opts.workloadArgs.map(shQuote).join(' ')} > /tmp/workload.out 2>&1
note "workload exit $?"
echo 0 > $T/tracing_on

{
  echo "${SECTION_BEGIN}status"; cat $STATUS; tail -n 5 /tmp/workload.out; echo "${SECTION_END}status"
  # The emulated UART is slow (every byte an interrupt under TCG): the trace goes gzipped, base64.
  echo "${SECTION_BEGIN}trace.gz.b64"; gzip -c $T/trace | base64; echo "${SECTION_END}trace.gz.b64"
  echo "${SECTION_DONE}"
} > $OUT
sync
poweroff -f
`;
}
