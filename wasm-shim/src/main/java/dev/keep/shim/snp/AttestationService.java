package dev.keep.shim.snp;

import dev.keep.shim.asm.Label;

/**
 * What the #VC handler of an SNP keep needs to serve {@link AttestationCall#PORT}: where the
 * payload's linear memory is (the range ring 0 checks ring 3's offsets against: the committed
 * linear memory the image maps, user pages), the guest-request state block, and the routines
 * that build the request, exchange it with the hypervisor and open the response.
 *
 * @param linearMemory virtual address of linear memory byte 0
 * @param linearMemoryBytes committed (mapped) linear memory in bytes; 0 when there is none
 * @param stateBlock address of the guest-request state block ({@code SnpLayout.STATE_*})
 * @param buildReportRequest {@link GuestRequestEmitter}'s build routine
 * @param exchange {@link GuestRequestExchangeEmitter}'s routine (or, in a test harness, a double
 *     with its contract: no arguments, eax 0 when the response page holds an answer)
 * @param openReportResponse {@link GuestRequestEmitter}'s open routine
 */
public record AttestationService(long linearMemory, long linearMemoryBytes, long stateBlock,
        Label buildReportRequest, Label exchange, Label openReportResponse) {
}
