package io.procpool.runtime;

import java.time.Duration;
import java.util.Objects;

import io.procpool.runtime.supervise.Durations;

/** The checks of the builders' settings: a wrong value fails naming the setting and the value. */
final class Checks {

    private Checks() {
    }

    static int range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " must be " + min + ".." + max + ", was " + value);
        }
        return value;
    }

    static long range(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " must be " + min + ".." + max + ", was " + value);
        }
        return value;
    }

    /** A setting that must not be below another one's value. */
    static void notBelow(String field, int value, String other, int otherValue) {
        if (value < otherValue) {
            throw new IllegalArgumentException(field + " must not be below " + other + " (" + otherValue + "), was "
                    + value);
        }
    }

    static Duration positive(String field, Duration d) {
        Objects.requireNonNull(d, field);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, was " + Durations.text(d));
        }
        return d;
    }

    /** An environment variable of the workers: a non-empty key without '=' or NUL, a value without NUL. */
    static void envEntry(String key, String value) {
        Objects.requireNonNull(key, "env key");
        Objects.requireNonNull(value, "env value of " + key);
        if (key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("env key must be non-empty and hold no '=' or NUL, was '"
                    + key.replace("\0", "\\0") + "'");
        }
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("env value of " + key + " must hold no NUL character");
        }
    }
}
