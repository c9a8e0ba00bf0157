package io.procpool.runtime.testing;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Every test that starts processes ends with no child of this JVM left, alive or zombie: register with
 * {@code @ExtendWith(NoChildLeft.class)}. After each test (and after its own {@code @AfterEach} methods) it waits,
 * polling, for children that are on their way out ({@link Children#EXIT_GRACE} at most, or the JUnit configuration
 * parameter {@value #GRACE}, an ISO-8601 duration), then fails the test naming each child left: pid, alive or
 * zombie, command line. A child that was already there when the test began is marked: it leaked from an earlier
 * test.
 */
public final class NoChildLeft implements BeforeEachCallback, AfterEachCallback {

    /** The configuration parameter that overrides {@link Children#EXIT_GRACE}, e.g. {@code PT1S}. */
    public static final String GRACE = "procpool.noChildLeft.grace";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NoChildLeft.class);
    private static final String BEFORE = "children before the test";

    @Override
    public void beforeEach(ExtensionContext context) {
        List<Long> pids = Children.ofThisJvm().stream().map(Children.Child::pid).toList();
        context.getStore(NAMESPACE).put(BEFORE, pids);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        List<Long> before = context.getStore(NAMESPACE).getOrDefault(BEFORE, List.class, List.of());
        Duration grace = context.getConfigurationParameter(GRACE, Duration::parse).orElse(Children.EXIT_GRACE);
        Children.assertNoneLeft(grace, before);
    }
}
