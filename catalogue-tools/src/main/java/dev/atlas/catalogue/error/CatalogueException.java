package dev.atlas.catalogue.error;

/**
 * An expected failure at the catalogue's edge (bad image, full device, busy device, unknown
 * name…). Its message is one sentence for an operator: which device or name, and what to do.
 */
public class CatalogueException extends RuntimeException {

    public CatalogueException(String message) {
        super(message);
    }

    public CatalogueException(String message, Throwable cause) {
        super(message, cause);
    }
}
