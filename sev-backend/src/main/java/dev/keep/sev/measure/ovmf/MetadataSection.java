package dev.keep.sev.measure.ovmf;

/** One item of the OVMF SEV metadata table: {@code {u32 gpa; u32 size; u32 type}}. */
public record MetadataSection(long gpa, long size, SectionType type) {
}
