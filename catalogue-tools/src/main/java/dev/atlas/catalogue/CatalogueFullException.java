package dev.atlas.catalogue;

import dev.atlas.catalogue.error.CatalogueException;

/** No device of the set has a free extent large enough; nothing was committed. */
public final class CatalogueFullException extends CatalogueException {

    public CatalogueFullException(String message) {
        super(message);
    }
}
