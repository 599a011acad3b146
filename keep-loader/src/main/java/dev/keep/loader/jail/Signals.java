package dev.keep.loader.jail;

/** x86-64 Linux signal numbers and names, for the supervisor's reports. */
final class Signals {
    static final int SIGKILL = 9;
    static final int SIGSYS = 31;
    private static final String[] NAMES = {
        "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

    private Signals() {}

    static String name(int signal) {
        return signal > 0 && signal < NAMES.length ? NAMES[signal] : "SIGRT" + signal;
    }
}
