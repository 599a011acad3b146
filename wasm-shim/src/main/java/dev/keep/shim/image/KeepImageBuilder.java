package dev.keep.shim.image;

import static dev.keep.shim.image.KeepLayout.HUGE_PAGE_SIZE;
import static dev.keep.shim.image.KeepLayout.PAGE_SIZE;

import dev.keep.shim.abi.HostcallAbi;
import dev.keep.shim.snp.AttestationCall;
import dev.keep.shim.snp.SnpLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Lays out a keep: places the caller's code, data, stack and linear memory, and builds the page
 * tables, GDT, IDT, TSS and ring-0 stubs around them. Invalid inputs are rejected with an
 * {@link IllegalArgumentException} whose message is one line.
 *
 * <pre>{@code
 * KeepImage image = KeepImage.builder()
 *         .code(runtimeBytes, entryOffset)      // assembled at KeepLayout.USER_CODE_ADDRESS
 *         .data(initialData, dataSize)          // at KeepLayout.USER_DATA_ADDRESS
 *         .stackSize(1 << 20)
 *         .linearMemory(17 * 65536)
 *         .linearMemoryData(1024, dataSegment)
 *         .build();
 * }</pre>
 *
 * <p>{@link #snp(int)} builds the SEV-SNP variant instead (docs/keep-image.md, "SNP mode"): C-bit in
 * the page tables, a GHCB and guest-request pages, a #VC handler, and a vCPU that starts in
 * ring-0 boot code instead of directly at CPL3. Without it the image is exactly the plain one.
 */
public final class KeepImageBuilder {
    /** x87, SSE and AVX state: what the compiled code may use at CPL3. */
    public static final long DEFAULT_XCR0 =
            EntryState.XCR0_X87 | EntryState.XCR0_SSE | EntryState.XCR0_AVX;
    public static final String DEFAULT_CPU_VENDOR = "AuthenticAMD";
    /** Leaf 1 EAX the keep reports unless told otherwise: family 0x19, model 1, stepping 1. */
    public static final int DEFAULT_CPU_SIGNATURE = 0x00A0_0F11;
    public static final long DEFAULT_STACK_SIZE = 0x10_0000;
    /** CR0: paging, protection, WP (ring 0 honours read-only pages), NE, ET, MP, AM. */
    public static final long CR0 = EntryState.CR0_PG | EntryState.CR0_AM | EntryState.CR0_WP
            | EntryState.CR0_NE | EntryState.CR0_ET | EntryState.CR0_MP | EntryState.CR0_PE;
    /** CR4: PAE and SSE/XSAVE enabled, so SSE and AVX work at CPL3 on hardware KVM too. */
    public static final long CR4 = EntryState.CR4_PAE | EntryState.CR4_OSFXSR
            | EntryState.CR4_OSXMMEXCPT | EntryState.CR4_OSXSAVE;
    /** EFER: long mode and NX. SCE stays off: {@code syscall} must #UD, it never reaches ring 0. */
    public static final long EFER = EntryState.EFER_LME | EntryState.EFER_LMA | EntryState.EFER_NXE;
    /** RFLAGS at entry: IF set, IOPL 0 (the I/O bitmap alone decides port access). */
    public static final long RFLAGS = EntryState.RFLAGS_RESERVED | EntryState.RFLAGS_IF;
    /** RFLAGS of an SNP keep's ring-0 boot code: interrupts stay off until the iretq to CPL3. */
    public static final long SNP_BOOT_RFLAGS = EntryState.RFLAGS_RESERVED;
    /** Lowest C-bit position accepted: above every address a keep's memory can reach... */
    public static final int MIN_C_BIT = 32;
    /** ...and highest: the top bit of the 52-bit physical address in a page-table entry. */
    public static final int MAX_C_BIT = 51;

    private byte[] code;
    private long entryOffset;
    /** Bytes of the code region beyond the code itself (zero): where a store keep's host writes code. */
    private long codeCapacity;
    private byte[] data = new byte[0];
    private long dataSize;
    private long stackSize = DEFAULT_STACK_SIZE;
    private long linearMemorySize;
    private final TreeMap<Long, byte[]> linearData = new TreeMap<>();
    private String cpuVendor = DEFAULT_CPU_VENDOR;
    private int cpuSignature = DEFAULT_CPU_SIGNATURE;
    private boolean snp;
    /** The SEV-SNP C-bit position (only when {@link #snp}). */
    private int cBitPosition;

    KeepImageBuilder() {
    }

    /** Runtime plus compiled Wasm, assembled for {@link KeepLayout#USER_CODE_ADDRESS}. */
    public KeepImageBuilder code(byte[] bytes, long entry) {
        this.code = bytes.clone();
        this.entryOffset = entry;
        return this;
    }

    /**
     * Makes the code region at least {@code bytes} long, zero after the code: room for code the
     * host writes into guest memory later (a store keep's arena; never an SEV-SNP keep, whose code
     * is measured at launch).
     */
    public KeepImageBuilder codeCapacity(long bytes) {
        this.codeCapacity = bytes;
        return this;
    }

    /** Writable data at {@link KeepLayout#USER_DATA_ADDRESS}: initial bytes, zero-filled to size. */
    public KeepImageBuilder data(byte[] initial, long size) {
        this.data = initial.clone();
        this.dataSize = size;
        return this;
    }

    public KeepImageBuilder stackSize(long bytes) {
        this.stackSize = bytes;
        return this;
    }

    /** Committed linear memory in bytes (a multiple of 4 KiB; Wasm pages are 64 KiB). */
    public KeepImageBuilder linearMemory(long bytes) {
        this.linearMemorySize = bytes;
        return this;
    }

    /** Initial bytes at {@code offset} in linear memory (a Wasm active data segment). */
    public KeepImageBuilder linearMemoryData(long offset, byte[] bytes) {
        if (linearData.containsKey(offset)) {
            throw new IllegalArgumentException(
                    "two linear-memory data segments start at offset " + offset);
        }
        linearData.put(offset, bytes.clone());
        return this;
    }

    public KeepImageBuilder cpu(String vendor, int signature) {
        this.cpuVendor = vendor;
        this.cpuSignature = signature;
        return this;
    }

    /**
     * Builds the SEV-SNP variant with the C-bit at {@code position} (the launch platform's, CPUID
     * 0x8000001F EBX[5:0]; 51 on current EPYC parts).
     */
    public KeepImageBuilder snp(int position) {
        this.snp = true;
        this.cBitPosition = position;
        return this;
    }

    public KeepImage build() {
        validate();
        SystemArea system = new SystemArea((int) KeepLayout.SYSTEM_AREA_SIZE);
        List<VirtualRegion> regions = new ArrayList<>(systemRegions());
        if (snp) {
            regions.addAll(snpRegions());
        }
        long next = KeepLayout.SYSTEM_AREA_SIZE;

        long codeBytes = pageUp(Math.max(code.length, codeCapacity));
        long codeGpa = place(next, codeBytes);
        regions.add(new VirtualRegion(KeepLayout.USER_CODE_ADDRESS, codeBytes, codeGpa,
                PageRole.RUNTIME_CODE, Access.USER_READ_EXECUTE));
        next = codeGpa + codeBytes;

        long dataGpa = -1;
        if (dataSize > 0) {
            long dataBytes = pageUp(dataSize);
            dataGpa = place(next, dataBytes);
            regions.add(new VirtualRegion(KeepLayout.USER_DATA_ADDRESS, dataBytes, dataGpa,
                    PageRole.DATA, Access.USER_READ_WRITE));
            next = dataGpa + dataBytes;
        }

        long stackBytes = pageUp(stackSize);
        long stackBottom = KeepLayout.USER_STACK_TOP - stackBytes;
        long stackGpa = place(next, stackBytes);
        regions.add(new VirtualRegion(stackBottom - KeepLayout.USER_STACK_GUARD_SIZE,
                KeepLayout.USER_STACK_GUARD_SIZE, -1, PageRole.GUARD, Access.NONE));
        regions.add(new VirtualRegion(stackBottom, stackBytes, stackGpa, PageRole.STACK,
                Access.USER_READ_WRITE));
        next = stackGpa + stackBytes;

        long linearGpa = alignUp(next, HUGE_PAGE_SIZE);
        regions.add(new VirtualRegion(
                KeepLayout.LINEAR_MEMORY_ADDRESS - KeepLayout.LINEAR_MEMORY_GUARD_BELOW,
                KeepLayout.LINEAR_MEMORY_GUARD_BELOW, -1, PageRole.GUARD, Access.NONE));
        if (linearMemorySize > 0) {
            regions.add(new VirtualRegion(KeepLayout.LINEAR_MEMORY_ADDRESS, linearMemorySize,
                    linearGpa, PageRole.LINEAR_MEMORY, Access.USER_READ_WRITE));
            next = linearGpa + linearMemorySize;
        }
        regions.add(new VirtualRegion(KeepLayout.LINEAR_MEMORY_ADDRESS + linearMemorySize,
                KeepLayout.LINEAR_MEMORY_RESERVATION - linearMemorySize, -1,
                PageRole.LINEAR_RESERVED, Access.NONE));
        long memorySize = alignUp(next, HUGE_PAGE_SIZE);
        long cBit = snp ? 1L << cBitPosition : 0;
        if (snp && memorySize > cBit) {
            throw new IllegalArgumentException(String.format(
                    "the keep's %#x bytes of memory reach the C-bit at position %d", memorySize,
                    cBitPosition));
        }

        PageTableBuilder tables = new PageTableBuilder(system, KeepLayout.PAGE_TABLES_ADDRESS,
                KeepLayout.PAGE_TABLES_SIZE, cBit);
        for (VirtualRegion region : regions) {
            if (region.mapped()) {
                tables.map(region.address(), region.physicalAddress(), region.size(),
                        region.access(), region.role().shared());
            }
        }
        Gdt.write(system, KeepLayout.GDT_ADDRESS, KeepLayout.TSS_ADDRESS, Tss.LIMIT);
        FaultStubs.Assembled stubs = FaultStubs.assemble(KeepLayout.STUBS_ADDRESS);
        if (stubs.code().length > KeepLayout.STUBS_SIZE) {
            throw new IllegalStateException("ring-0 stubs outgrew their page");
        }
        system.put(KeepLayout.STUBS_ADDRESS, stubs.code());
        long userEntry = KeepLayout.USER_CODE_ADDRESS + entryOffset;
        Optional<SnpKeep> snpKeep = Optional.empty();
        if (snp) {
            snpKeep = Optional.of(writeSnpRing0(system, stubs, userEntry));
        } else {
            Idt.write(system, KeepLayout.IDT_ADDRESS, stubs.entries());
            Tss.write(system, KeepLayout.TSS_ADDRESS, KeepLayout.RING0_STACK_TOP,
                    KeepLayout.IST1_STACK_TOP, HostcallAbi.requestDoorbellPorts());
        }

        List<MemoryChunk> chunks = new ArrayList<>();
        // The system area's bytes end before the mailbox, which starts zeroed.
        chunks.add(new MemoryChunk(0, system.prefix((int) KeepLayout.MAILBOX_ADDRESS)));
        if (snp) {
            // Only the private pages with contents: the secrets and CPUID pages come from the
            // launch, and the shared pages start zeroed.
            chunks.add(new MemoryChunk(KeepLayout.SNP_CODE_ADDRESS, system.slice(
                    KeepLayout.SNP_CODE_ADDRESS, snpKeep.orElseThrow().code().code().length)));
            chunks.add(new MemoryChunk(KeepLayout.GUEST_REQUEST_STATE_ADDRESS, system.slice(
                    KeepLayout.GUEST_REQUEST_STATE_ADDRESS, SnpLayout.STATE_SIZE)));
        }
        chunks.add(new MemoryChunk(codeGpa, code));
        if (data.length > 0) {
            chunks.add(new MemoryChunk(dataGpa, data));
        }
        for (var segment : linearData.entrySet()) {
            if (segment.getValue().length > 0) {
                chunks.add(new MemoryChunk(linearGpa + segment.getKey(), segment.getValue()));
            }
        }
        chunks.sort(Comparator.comparingLong(MemoryChunk::address));

        PageMap pageMap = new PageMap(memorySize, physicalRanges(regions, memorySize), regions);
        EntryState entry = snp
                ? snpEntryState(tables.root() | cBit, snpKeep.orElseThrow().code().boot())
                : entryState(tables.root());
        return new KeepImage(memorySize, chunks, pageMap, entry, stubs, snpKeep);
    }

    private void validate() {
        if (code == null || code.length == 0) {
            throw new IllegalArgumentException("the keep has no code");
        }
        if (code.length > KeepLayout.USER_CODE_MAX) {
            throw new IllegalArgumentException(String.format(
                    "code is %d bytes; the keep allows at most %d", code.length,
                    KeepLayout.USER_CODE_MAX));
        }
        if (codeCapacity < 0 || codeCapacity > KeepLayout.USER_CODE_MAX) {
            throw new IllegalArgumentException(String.format(
                    "code capacity %d is not in 0..%d", codeCapacity, KeepLayout.USER_CODE_MAX));
        }
        if (snp && codeCapacity > code.length) {
            throw new IllegalArgumentException("an SEV-SNP keep has no room for code written after launch");
        }
        if (entryOffset < 0 || entryOffset >= code.length) {
            throw new IllegalArgumentException(String.format(
                    "entry offset %d is outside the %d bytes of code", entryOffset, code.length));
        }
        if (dataSize < data.length || dataSize > KeepLayout.USER_DATA_MAX) {
            throw new IllegalArgumentException(String.format(
                    "data size %d must hold the %d initial bytes and be at most %d", dataSize,
                    data.length, KeepLayout.USER_DATA_MAX));
        }
        if (stackSize < PAGE_SIZE || stackSize > KeepLayout.USER_STACK_MAX) {
            throw new IllegalArgumentException(String.format(
                    "stack size %d is not in %d..%d", stackSize, PAGE_SIZE,
                    KeepLayout.USER_STACK_MAX));
        }
        if (linearMemorySize < 0 || linearMemorySize > KeepLayout.LINEAR_MEMORY_MAX
                || linearMemorySize % PAGE_SIZE != 0) {
            throw new IllegalArgumentException(String.format(
                    "linear memory of %d bytes must be a multiple of 4096 up to 4 GiB",
                    linearMemorySize));
        }
        long previousEnd = 0;
        for (var segment : linearData.entrySet()) {
            long offset = segment.getKey();
            long length = segment.getValue().length;
            if (offset < 0 || offset + length > linearMemorySize) {
                throw new IllegalArgumentException(String.format(
                        "data segment at %d (%d bytes) is outside the %d bytes of linear memory",
                        offset, length, linearMemorySize));
            }
            if (offset < previousEnd) {
                throw new IllegalArgumentException(
                        "linear-memory data segments overlap at offset " + offset);
            }
            previousEnd = offset + length;
        }
        if (snp) {
            KeepCpuid.snpTable(cpuVendor, cpuSignature, DEFAULT_XCR0, cBitPosition);
        } else {
            KeepCpuid.table(cpuVendor, cpuSignature, DEFAULT_XCR0);
        }
    }

    /** The fixed identity-mapped system area and its guards. */
    private static List<VirtualRegion> systemRegions() {
        return List.of(
                unmapped(0, KeepLayout.NULL_GUARD_SIZE),
                identity(KeepLayout.PAGE_TABLES_ADDRESS, KeepLayout.PAGE_TABLES_SIZE,
                        PageRole.PAGE_TABLES, Access.SUPERVISOR_READ),
                identity(KeepLayout.GDT_ADDRESS, PAGE_SIZE, PageRole.GDT,
                        Access.SUPERVISOR_READ_WRITE),
                identity(KeepLayout.IDT_ADDRESS, PAGE_SIZE, PageRole.IDT, Access.SUPERVISOR_READ),
                identity(KeepLayout.TSS_ADDRESS, KeepLayout.TSS_REGION_SIZE, PageRole.TSS,
                        Access.SUPERVISOR_READ_WRITE),
                identity(KeepLayout.FAULT_RECORD_ADDRESS, PAGE_SIZE, PageRole.FAULT_RECORD,
                        Access.SUPERVISOR_READ_WRITE),
                identity(KeepLayout.STUBS_ADDRESS, KeepLayout.STUBS_SIZE, PageRole.RING0_STUBS,
                        Access.SUPERVISOR_READ_EXECUTE),
                unmapped(KeepLayout.STUBS_ADDRESS + KeepLayout.STUBS_SIZE, PAGE_SIZE),
                identity(KeepLayout.RING0_STACK_ADDRESS, KeepLayout.RING0_STACK_SIZE,
                        PageRole.RING0_STACK, Access.SUPERVISOR_READ_WRITE),
                unmapped(KeepLayout.RING0_STACK_TOP, PAGE_SIZE),
                identity(KeepLayout.IST1_STACK_ADDRESS, KeepLayout.IST1_STACK_SIZE,
                        PageRole.IST_STACK, Access.SUPERVISOR_READ_WRITE),
                unmapped(KeepLayout.IST1_STACK_TOP, KeepLayout.MAILBOX_ADDRESS
                        - KeepLayout.IST1_STACK_TOP),
                identity(KeepLayout.MAILBOX_ADDRESS, KeepLayout.MAILBOX_SIZE, PageRole.MAILBOX,
                        Access.USER_READ_WRITE));
    }

    /**
     * The SNP pages after the mailbox: firmware pages and private ring-0 pages, the GHCB and the
     * guest-request pages shared (their roles say so), guards around the GHCB and the #VC stack.
     */
    private static List<VirtualRegion> snpRegions() {
        return List.of(
                identity(KeepLayout.SNP_SECRETS_ADDRESS, PAGE_SIZE, PageRole.SNP_SECRETS,
                        Access.SUPERVISOR_READ),
                identity(KeepLayout.SNP_CPUID_ADDRESS, PAGE_SIZE, PageRole.SNP_CPUID,
                        Access.SUPERVISOR_READ),
                identity(KeepLayout.SNP_GHCB_ADDRESS, PAGE_SIZE, PageRole.GHCB,
                        Access.SUPERVISOR_READ_WRITE),
                unmapped(KeepLayout.SNP_GHCB_ADDRESS + PAGE_SIZE, PAGE_SIZE),
                identity(KeepLayout.SNP_CODE_ADDRESS, KeepLayout.SNP_CODE_SIZE,
                        PageRole.RING0_STUBS, Access.SUPERVISOR_READ_EXECUTE),
                unmapped(KeepLayout.SNP_CODE_ADDRESS + KeepLayout.SNP_CODE_SIZE, PAGE_SIZE),
                identity(KeepLayout.VC_STACK_ADDRESS, KeepLayout.VC_STACK_SIZE,
                        PageRole.IST_STACK, Access.SUPERVISOR_READ_WRITE),
                unmapped(KeepLayout.VC_STACK_TOP, PAGE_SIZE),
                identity(KeepLayout.GUEST_REQUEST_STATE_ADDRESS, 2 * PAGE_SIZE,
                        PageRole.GUEST_REQUEST_STATE, Access.SUPERVISOR_READ_WRITE),
                identity(KeepLayout.GUEST_REQUEST_PAGE_ADDRESS, 2 * PAGE_SIZE,
                        PageRole.GUEST_REQUEST_SHARED, Access.SUPERVISOR_READ_WRITE));
    }

    /**
     * The ring-0 side of an SNP keep: its code, the guest-request state block, an IDT whose #VC
     * gate goes to the handler (unserved #VC events still reach the vector-29 stub), and a TSS
     * with the #VC stack as IST2 whose I/O bitmap opens the doorbell and, for ring 3's
     * attestation requests to ring 0, {@link AttestationCall#PORT} (under SNP both raise #VC).
     */
    private SnpKeep writeSnpRing0(SystemArea system, FaultStubs.Assembled stubs, long userEntry) {
        SnpRing0Code.Assembled code = SnpRing0Code.assemble(cBitPosition, userEntry,
                stubs.entries()[Idt.VECTOR_VMM_COMMUNICATION], linearMemorySize);
        if (code.code().length > KeepLayout.SNP_CODE_SIZE) {
            throw new IllegalStateException("ring-0 SNP code outgrew its pages");
        }
        system.put(KeepLayout.SNP_CODE_ADDRESS, code.code());
        writeGuestRequestState(system);
        long[] handlers = stubs.entries();
        handlers[Idt.VECTOR_VMM_COMMUNICATION] = code.vcHandler();
        Idt.write(system, KeepLayout.IDT_ADDRESS, handlers, true);
        Tss.write(system, KeepLayout.TSS_ADDRESS, KeepLayout.RING0_STACK_TOP,
                KeepLayout.IST1_STACK_TOP, KeepLayout.VC_STACK_TOP,
                withAttestationPort(HostcallAbi.requestDoorbellPorts()));
        return new SnpKeep(cBitPosition, userEntry, code);
    }

    private static Set<Integer> withAttestationPort(Set<Integer> doorbell) {
        Set<Integer> ports = new java.util.TreeSet<>(doorbell);
        ports.add(AttestationCall.PORT);
        return ports;
    }

    /**
     * The guest-request state block: where the secrets page, the private message buffer and the
     * two shared pages are (all identity-mapped, so virtual = guest-physical), sequence numbers 0
     * (the first request uses 1, as the firmware expects after launch).
     */
    private static void writeGuestRequestState(SystemArea system) {
        long state = KeepLayout.GUEST_REQUEST_STATE_ADDRESS;
        system.putLong(state + SnpLayout.STATE_SECRETS_PAGE, KeepLayout.SNP_SECRETS_ADDRESS);
        system.putLong(state + SnpLayout.STATE_REQUEST_PAGE, KeepLayout.GUEST_REQUEST_PAGE_ADDRESS);
        system.putLong(state + SnpLayout.STATE_RESPONSE_PAGE,
                KeepLayout.GUEST_RESPONSE_PAGE_ADDRESS);
        system.putLong(state + SnpLayout.STATE_MESSAGE_BUFFER,
                KeepLayout.GUEST_REQUEST_BUFFER_ADDRESS);
        system.putLong(state + SnpLayout.STATE_LAST_SEQNO, 0);
        system.putLong(state + SnpLayout.STATE_AWAITED_SEQNO, 0);
    }

    private static VirtualRegion identity(long address, long size, PageRole role, Access access) {
        return new VirtualRegion(address, size, address, role, access);
    }

    private static VirtualRegion unmapped(long address, long size) {
        return new VirtualRegion(address, size, -1, PageRole.GUARD, Access.NONE);
    }

    /** Physical ranges of the mapped regions, with the gaps between them marked unused. */
    private static List<PhysicalRange> physicalRanges(List<VirtualRegion> regions, long size) {
        List<VirtualRegion> mapped = new ArrayList<>();
        for (VirtualRegion region : regions) {
            if (region.mapped()) {
                mapped.add(region);
            }
        }
        mapped.sort(Comparator.comparingLong(VirtualRegion::physicalAddress));
        List<PhysicalRange> ranges = new ArrayList<>();
        long next = 0;
        for (VirtualRegion region : mapped) {
            if (region.physicalAddress() > next) {
                ranges.add(new PhysicalRange(next, region.physicalAddress() - next,
                        PageRole.UNUSED));
            }
            ranges.add(new PhysicalRange(region.physicalAddress(), region.size(), region.role()));
            next = region.physicalAddress() + region.size();
        }
        if (next < size) {
            ranges.add(new PhysicalRange(next, size - next, PageRole.UNUSED));
        }
        return ranges;
    }

    private EntryState entryState(long cr3) {
        SegmentState userData = SegmentState.data(Gdt.USER_DS, 3);
        return new EntryState(
                KeepLayout.USER_CODE_ADDRESS + entryOffset,
                KeepLayout.USER_STACK_TOP,
                RFLAGS, CR0, cr3, CR4, EFER, DEFAULT_XCR0,
                SegmentState.code64(Gdt.USER_CS, 3),
                userData, userData, userData,
                SegmentState.NULL, SegmentState.NULL,
                SegmentState.tss(Gdt.TSS, KeepLayout.TSS_ADDRESS, Tss.LIMIT),
                SegmentState.NULL,
                new TableRegister(KeepLayout.GDT_ADDRESS, Gdt.LIMIT),
                new TableRegister(KeepLayout.IDT_ADDRESS, Idt.LIMIT),
                KeepCpuid.table(cpuVendor, cpuSignature, DEFAULT_XCR0));
    }

    /**
     * An SNP keep's vCPU starts in the ring-0 boot code on the ring-0 stack with interrupts off;
     * everything else (descriptor tables, control registers, DS/ES) is what the payload runs with.
     * CR3 carries the C-bit: the PML4 is private.
     */
    private EntryState snpEntryState(long cr3, long boot) {
        SegmentState userData = SegmentState.data(Gdt.USER_DS, 3);
        return new EntryState(
                boot,
                KeepLayout.RING0_STACK_TOP,
                SNP_BOOT_RFLAGS, CR0, cr3, CR4, EFER, DEFAULT_XCR0,
                SegmentState.code64(Gdt.KERNEL_CS, 0),
                SegmentState.data(Gdt.KERNEL_DS, 0), userData, userData,
                SegmentState.NULL, SegmentState.NULL,
                SegmentState.tss(Gdt.TSS, KeepLayout.TSS_ADDRESS, Tss.LIMIT),
                SegmentState.NULL,
                new TableRegister(KeepLayout.GDT_ADDRESS, Gdt.LIMIT),
                new TableRegister(KeepLayout.IDT_ADDRESS, Idt.LIMIT),
                KeepCpuid.snpTable(cpuVendor, cpuSignature, DEFAULT_XCR0, cBitPosition));
    }

    /** Physical placement: 2 MiB aligned when the region can use 2 MiB pages, else 4 KiB. */
    private static long place(long next, long size) {
        return alignUp(next, size >= HUGE_PAGE_SIZE ? HUGE_PAGE_SIZE : PAGE_SIZE);
    }

    private static long pageUp(long size) {
        return alignUp(size, PAGE_SIZE);
    }

    private static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
