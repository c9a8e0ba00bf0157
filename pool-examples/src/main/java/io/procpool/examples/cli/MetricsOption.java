package io.procpool.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;

import io.procpool.examples.metrics.MetricsEndpoint;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code --metrics-port N}, shared by the sub-commands that run a pool: a Prometheus endpoint for its meters. */
final class MetricsOption {

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = "--metrics-port", paramLabel = "N",
            description = "serve the pool's meters at http://localhost:N/metrics (1..65535; 0: any free port)")
    private Integer port;

    /** Checks the value alone; {@link #start} finds out whether the port is free. */
    void validate() {
        if (port != null && (port < 0 || port > 65535)) {
            throw new ParameterException(spec.commandLine(), "--metrics-port must be 1..65535, or 0 for any free"
                    + " port, was " + port);
        }
    }

    /**
     * Starts the endpoint and says where on {@code err}; null without the option. Called before any worker starts:
     * a port in use is a usage error, and nothing is left to stop.
     */
    MetricsEndpoint start(PrintWriter err) {
        if (port == null) {
            return null;
        }
        MetricsEndpoint endpoint;
        try {
            endpoint = MetricsEndpoint.start(port);
        } catch (IOException e) {
            // a BindException's message is the errno text: "Address already in use"
            throw new ParameterException(spec.commandLine(), "--metrics-port " + port + ": cannot listen there ("
                    + e.getMessage() + "); choose another port, or 0 for any free one");
        }
        err.println("metrics at http://localhost:" + endpoint.port() + "/metrics");
        err.flush();
        return endpoint;
    }
}
