package dev.atlas.server.tls;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The distribution's OpenSSL libcrypto ({@code libcrypto.so.3}), looked up once for the engines
 * that call it through FFM: record sealing ({@link OpenSslSealer}) and the handshake's X25519
 * ({@link OpenSslX25519}). Where it is missing, {@link #isAvailable} says so and the JDK's code
 * serves instead.
 */
final class LibCrypto {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup SYMBOLS = lookup();

    private LibCrypto() {}

    static boolean isAvailable() {
        return SYMBOLS != null;
    }

    /** A downcall to {@code name}, or null when libcrypto is missing. */
    static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        if (SYMBOLS == null) {
            return null;
        }
        return LINKER.downcallHandle(
                SYMBOLS.find(name).orElseThrow(() -> new IllegalStateException("libcrypto has no " + name)),
                descriptor);
    }

    private static SymbolLookup lookup() {
        try {
            return SymbolLookup.libraryLookup("libcrypto.so.3", Arena.global());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
