package io.procpool.runtime.supervise;

import java.io.IOException;
import java.nio.file.Path;

/** For tests of other packages: damage an archive as {@link ClassDataSharingFilesTest} does. */
public final class ClassDataSharingFilesTestAccess {

    private ClassDataSharingFilesTestAccess() {
    }

    /** Overwrites 4 KiB in the middle of the file. */
    public static void overwriteMiddle(Path archive) throws IOException {
        ClassDataSharingFilesTest.overwriteMiddle(archive);
    }
}
