package dev.keep.loader.config;

import java.util.regex.Pattern;

/** Syntax checks for addresses in Keep.toml; no name is looked up while reading the file. */
final class IpLiterals {
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final Pattern HOST_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private IpLiterals() {}

    static boolean isIpLiteral(String text) {
        if (IPV4.matcher(text).matches()) {
            return true;
        }
        if (!text.contains(":") || !IPV6.matcher(text).matches()) {
            return false;
        }
        try {
            return java.net.InetAddress.ofLiteral(text) instanceof java.net.Inet6Address;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static boolean isHostName(String text) {
        if (text.isEmpty() || text.length() > 253) {
            return false;
        }
        for (String label : text.split("\\.", -1)) {
            if (!HOST_LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }
}
