package dev.keep.shim.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/hostcall-abi.md and {@link HostcallAbi} must say the same thing. */
class HostcallAbiDocTest {
    private static final Pattern ROW =
            Pattern.compile("^\\| `([A-Z0-9_]+)` \\| `(0x[0-9A-Fa-f]+|[0-9]+)` \\|.*\\|$");

    private static Path doc() {
        return Path.of(System.getProperty("keep.projectRoot")).resolve("docs/hostcall-abi.md");
    }

    /** The rows of the "## Constants" table. */
    private static Map<String, Long> documented() throws Exception {
        String text = Files.readString(doc());
        int start = text.indexOf("\n## Constants\n");
        assertTrue(start >= 0, "the ABI document has a Constants section");
        int end = text.indexOf("\n## ", start + 5);
        Map<String, Long> rows = new LinkedHashMap<>();
        for (String line : text.substring(start, end < 0 ? text.length() : end).split("\n")) {
            Matcher m = ROW.matcher(line.trim());
            if (m.matches()) {
                String v = m.group(2);
                long value = v.startsWith("0x") ? Long.parseLong(v.substring(2), 16)
                        : Long.parseLong(v);
                Long previous = rows.put(m.group(1), value);
                assertEquals(null, previous, "row listed twice: " + m.group(1));
            }
        }
        return rows;
    }

    private static Map<String, Long> declared() throws Exception {
        Map<String, Long> constants = new TreeMap<>();
        for (Field f : HostcallAbi.class.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isPublic(mod) && Modifier.isStatic(mod) && Modifier.isFinal(mod)) {
                constants.put(f.getName(), ((Number) f.get(null)).longValue());
            }
        }
        return constants;
    }

    @Test
    void everyDocumentedConstantMatchesTheCode() throws Exception {
        Map<String, Long> doc = documented();
        Map<String, Long> code = declared();
        assertTrue(doc.size() > 40, "parsed " + doc.size() + " rows");
        for (var row : doc.entrySet()) {
            assertTrue(code.containsKey(row.getKey()),
                    "documented but not in HostcallAbi: " + row.getKey());
            assertEquals(code.get(row.getKey()), row.getValue(), row.getKey());
        }
        for (String name : code.keySet()) {
            assertTrue(doc.containsKey(name), "HostcallAbi." + name + " is not documented");
        }
    }

    @Test
    void everyConstantNamedInTheProseExists() throws Exception {
        String text = Files.readString(doc());
        Matcher m = Pattern.compile("`((?:OFF|OP|FAULT|WRITE|FD|STATUS|EXIT|MAILBOX|HEADER|"
                + "PAYLOAD|REQUEST|DOORBELL|VERSION)[A-Z0-9_]*)`").matcher(text);
        Map<String, Long> code = declared();
        int seen = 0;
        while (m.find()) {
            String name = m.group(1);
            if (name.endsWith("_")) {
                continue;  // a prefix such as `OP_` in prose
            }
            assertTrue(code.containsKey(name), "the document names unknown constant " + name);
            seen++;
        }
        assertTrue(seen > 60);
    }

    @Test
    void headerFieldsTileTheHeaderAndFaultFieldsTileTheRecord() {
        int[][] header = {
            {HostcallAbi.OFF_MAGIC, 4}, {HostcallAbi.OFF_VERSION, 4},
            {HostcallAbi.OFF_SEQUENCE, 8}, {HostcallAbi.OFF_OPCODE, 4},
            {HostcallAbi.OFF_FLAGS, 4}, {HostcallAbi.OFF_REQUEST_OFFSET, 4},
            {HostcallAbi.OFF_REQUEST_LENGTH, 4}, {HostcallAbi.OFF_REPLY_OFFSET, 4},
            {HostcallAbi.OFF_REPLY_CAPACITY, 4}, {HostcallAbi.OFF_REPLY_LENGTH, 4},
            {HostcallAbi.OFF_STATUS, 4}, {HostcallAbi.OFF_RESULT, 8},
            {HostcallAbi.OFF_RESERVED, 8},
        };
        int next = 0;
        for (int[] field : header) {
            assertEquals(next, field[0], "fields are contiguous");
            assertEquals(0, field[0] % field[1], "naturally aligned");
            next += field[1];
        }
        assertEquals(HostcallAbi.HEADER_SIZE, next);
        int[] fault = {
            HostcallAbi.FAULT_OFF_VECTOR, HostcallAbi.FAULT_OFF_ERROR_CODE,
            HostcallAbi.FAULT_OFF_RIP, HostcallAbi.FAULT_OFF_CS, HostcallAbi.FAULT_OFF_RFLAGS,
            HostcallAbi.FAULT_OFF_RSP, HostcallAbi.FAULT_OFF_SS, HostcallAbi.FAULT_OFF_CR2,
            HostcallAbi.FAULT_OFF_RAX, HostcallAbi.FAULT_OFF_COUNT,
        };
        for (int i = 0; i < fault.length; i++) {
            assertEquals(8 * i, fault[i]);
        }
        assertEquals(8 * fault.length, HostcallAbi.FAULT_RECORD_SIZE);
        assertEquals(HostcallAbi.MAILBOX_SIZE - HostcallAbi.HEADER_SIZE, HostcallAbi.PAYLOAD_SIZE);
        assertTrue(HostcallAbi.REQUEST_DOORBELL_PORT < 256 && HostcallAbi.FAULT_DOORBELL_PORT < 256,
                "both fit out imm8");
    }

    /** The WASI call table ("| id | `name` | kinds |") lists exactly the calls of {@link WasiCall}. */
    @Test
    void wasiCallTableMatchesWasiCall() throws Exception {
        Pattern row = Pattern.compile("^\\| ([0-9]+) \\| `([a-z_0-9]+)` \\| ([A-Z0-9_, ]+) \\|$");
        Map<Integer, String> documented = new TreeMap<>();
        for (String line : Files.readString(doc()).split("\n")) {
            Matcher m = row.matcher(line.trim());
            if (m.matches()) {
                int id = Integer.parseInt(m.group(1));
                WasiCall call = WasiCall.ofId(id);
                assertTrue(call != null, "documented call id " + id + " is not in WasiCall");
                assertEquals(call.wasiName, m.group(2), "name of call " + id);
                assertEquals(call.params.stream().map(Enum::name).toList(),
                        java.util.List.of(m.group(3).split(", ")), "parameters of " + call.wasiName);
                documented.put(id, m.group(2));
            }
        }
        assertEquals(WasiCall.values().length, documented.size(), "every call is documented once");
    }

    /** Every call's largest request plus its largest reply fits the payload area. */
    @Test
    void theLargestWasiRequestAndReplyFitTheMailbox() {
        for (WasiCall call : WasiCall.values()) {
            assertTrue(call.params.size() <= HostcallAbi.WASI_MAX_ARGS, call.wasiName);
            long request = HostcallAbi.WASI_OFF_DATA;
            for (WasiCall.Param p : call.params) {
                request += switch (p) {
                    case PATH_LEN -> HostcallAbi.WASI_MAX_PATH;
                    case GATHER_LEN -> HostcallAbi.WASI_MAX_TRANSFER;
                    case SUBSCRIPTIONS_COUNT -> (long) HostcallAbi.WASI_MAX_SUBSCRIPTIONS
                            * WasiCall.Param.SUBSCRIPTION_BYTES;
                    default -> 0;
                };
            }
            long variable = call.params.contains(WasiCall.Param.SUBSCRIPTIONS_COUNT)
                    ? (long) HostcallAbi.WASI_MAX_SUBSCRIPTIONS * WasiCall.Param.EVENT_BYTES
                    : HostcallAbi.WASI_MAX_TRANSFER;
            long reply = call.fixedReplyBytes() + (call.hasVariableReply() ? variable : 0);
            assertTrue(((request + 7) & ~7L) + reply <= HostcallAbi.PAYLOAD_SIZE, call.wasiName);
        }
    }
}
