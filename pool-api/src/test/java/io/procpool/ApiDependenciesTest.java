package io.procpool;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** pool-api is what callers and task authors compile against: it depends on the JDK and nothing else. */
@AnalyzeClasses(packages = "io.procpool", importOptions = ImportOption.DoNotIncludeTests.class)
class ApiDependenciesTest {

    @ArchTest
    static final ArchRule JDK_ONLY = classes().that().resideInAPackage("io.procpool..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.procpool")
            .because("the api module must put no library (logging, Kryo, Micrometer) and no runtime class on the "
                    + "class path of its users");
}
