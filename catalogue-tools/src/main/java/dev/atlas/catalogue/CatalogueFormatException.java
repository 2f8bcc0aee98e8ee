package dev.atlas.catalogue;

import dev.atlas.catalogue.error.CatalogueException;

/** The bytes on a device are not a valid catalogue (unformatted, damaged, or from another set). */
public final class CatalogueFormatException extends CatalogueException {

    public CatalogueFormatException(String message) {
        super(message);
    }
}
