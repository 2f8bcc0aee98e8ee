package dev.atlas.catalogue.error;

/** Another process (a running server, another CLI) holds a device's lock in a conflicting mode. */
public final class CatalogueBusyException extends CatalogueException {

    public CatalogueBusyException(String message) {
        super(message);
    }
}
