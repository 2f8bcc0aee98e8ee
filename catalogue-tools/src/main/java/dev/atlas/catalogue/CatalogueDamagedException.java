package dev.atlas.catalogue;

import dev.atlas.catalogue.error.CatalogueException;

/**
 * The catalogue is damaged in a way the operator must decide about (a damaged superblock slot, a
 * damaged index): writes are refused until {@code atlas-catalogue fsck --repair} has run, and
 * reads are refused when the newest generation cannot be read.
 */
public final class CatalogueDamagedException extends CatalogueException {

    public CatalogueDamagedException(String message) {
        super(message);
    }
}
