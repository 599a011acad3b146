package dev.keep.loader.config;

/** Rules for the path at which a host directory appears inside the keep. */
public final class GuestPaths {
    static final String RULE = "must be an absolute guest path such as /data, without '..', '.' or empty parts";

    private GuestPaths() {}

    public static boolean isValid(String guest) {
        if (guest.equals("/")) {
            return true;
        }
        if (!guest.startsWith("/") || guest.endsWith("/") || guest.indexOf('\0') >= 0) {
            return false;
        }
        for (String part : guest.substring(1).split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
