package dev.keep.loader;

import dev.keep.loader.cli.KeepCli;

/** Entry point of the {@code keep} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(KeepCli.create().execute(args));
    }
}
