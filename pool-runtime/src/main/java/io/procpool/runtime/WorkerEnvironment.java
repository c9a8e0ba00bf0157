package io.procpool.runtime;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** The environment the workers get when they inherit only some of the host's variables. */
final class WorkerEnvironment {

    private WorkerEnvironment() {
    }

    /** The names of {@code inheritEnvironment(String...)}, in their order, none null. */
    static Set<String> names(String... names) {
        Set<String> keep = new LinkedHashSet<>();
        for (String n : names) {
            keep.add(Objects.requireNonNull(n, "inheritEnvironment name"));
        }
        return keep;
    }

    /** The host's variables of these {@code names} (those it has), then {@code set} over them. */
    static Map<String, String> chosen(Set<String> names, Map<String, String> set) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String n : names) {
            String v = System.getenv(n);
            if (v != null) {
                env.put(n, v);
            }
        }
        env.putAll(set);
        return env;
    }
}
