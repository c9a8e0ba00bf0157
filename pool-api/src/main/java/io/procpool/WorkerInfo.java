package io.procpool;

/**
 * A worker process as listeners see it.
 *
 * @param id   its name, {@code <pool>-<slot>} ({@code <pool>-spare} for a warm spare); a replacement has the same id
 * @param pid  its process id
 */
public record WorkerInfo(String id, int pid) {

    @Override
    public String toString() {
        return id + " (pid " + pid + ")";
    }
}
