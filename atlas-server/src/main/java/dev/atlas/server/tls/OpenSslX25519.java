package dev.atlas.server.tls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.TlsAgreement;
import org.bouncycastle.tls.crypto.TlsECDomain;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/**
 * The handshake's X25519 key exchange (RFC 7748) in OpenSSL's libcrypto instead of the JDK's
 * Java code: with 1,000 new connections the JDK's key generation and agreement were about a
 * third of a ClientHello's lane time. The private key is kept as its 32 raw bytes between the
 * two steps, so no native key outlives a call (a handshake that stops half-way leaks nothing).
 */
final class OpenSslX25519 implements TlsECDomain {
    private static final int EVP_PKEY_X25519 = 1034;
    private static final int KEY_BYTES = 32;

    /** {@code EVP_PKEY *EVP_PKEY_new_raw_{private,public}_key(int type, ENGINE *e, const unsigned char *key, size_t len)}. */
    private static final FunctionDescriptor NEW_RAW_KEY = FunctionDescriptor.of(
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);

    private static final MethodHandle NEW_PRIVATE = LibCrypto.handle("EVP_PKEY_new_raw_private_key", NEW_RAW_KEY);
    private static final MethodHandle NEW_PUBLIC = LibCrypto.handle("EVP_PKEY_new_raw_public_key", NEW_RAW_KEY);
    private static final MethodHandle GET_PUBLIC = LibCrypto.handle(
            "EVP_PKEY_get_raw_public_key",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle FREE =
            LibCrypto.handle("EVP_PKEY_free", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    private static final MethodHandle CTX_NEW = LibCrypto.handle(
            "EVP_PKEY_CTX_new", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle CTX_FREE =
            LibCrypto.handle("EVP_PKEY_CTX_free", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    private static final MethodHandle DERIVE_INIT =
            LibCrypto.handle("EVP_PKEY_derive_init", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle DERIVE_SET_PEER = LibCrypto.handle(
            "EVP_PKEY_derive_set_peer",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle DERIVE = LibCrypto.handle(
            "EVP_PKEY_derive",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private final JcaTlsCrypto crypto;

    OpenSslX25519(JcaTlsCrypto crypto) {
        this.crypto = crypto;
    }

    @Override
    public TlsAgreement createECDH() {
        return new Agreement();
    }

    private final class Agreement implements TlsAgreement {
        private final byte[] privateKey = new byte[KEY_BYTES];
        private byte[] peerValue;

        @Override
        public byte[] generateEphemeral() throws IOException {
            crypto.getSecureRandom().nextBytes(privateKey);
            try (Arena arena = Arena.ofConfined()) {
                final MemorySegment key = privateKey(arena);
                try {
                    final MemorySegment out = arena.allocate(KEY_BYTES);
                    final MemorySegment length = arena.allocate(ValueLayout.JAVA_LONG);
                    length.set(ValueLayout.JAVA_LONG, 0, KEY_BYTES);
                    check((int) GET_PUBLIC.invokeExact(key, out, length) == 1, "EVP_PKEY_get_raw_public_key");
                    return out.toArray(ValueLayout.JAVA_BYTE);
                } finally {
                    FREE.invokeExact(key);
                }
            } catch (IOException e) {
                throw e;
            } catch (Throwable t) {
                throw new TlsFatalAlert(AlertDescription.internal_error, t);
            }
        }

        @Override
        public void receivePeerValue(byte[] peer) throws IOException {
            if (peer == null || peer.length != KEY_BYTES) {
                throw new TlsFatalAlert(AlertDescription.illegal_parameter);
            }
            this.peerValue = peer.clone();
        }

        @Override
        public TlsSecret calculateSecret() throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                final MemorySegment key = privateKey(arena);
                final MemorySegment peer = (MemorySegment) NEW_PUBLIC.invokeExact(
                        EVP_PKEY_X25519, MemorySegment.NULL, bytes(arena, peerValue), (long) KEY_BYTES);
                final MemorySegment context = (MemorySegment) CTX_NEW.invokeExact(key, MemorySegment.NULL);
                try {
                    check(!peer.equals(MemorySegment.NULL) && !context.equals(MemorySegment.NULL), "X25519 set-up");
                    final MemorySegment out = arena.allocate(KEY_BYTES);
                    final MemorySegment length = arena.allocate(ValueLayout.JAVA_LONG);
                    length.set(ValueLayout.JAVA_LONG, 0, KEY_BYTES);
                    check((int) DERIVE_INIT.invokeExact(context) == 1, "EVP_PKEY_derive_init");
                    check((int) DERIVE_SET_PEER.invokeExact(context, peer) == 1, "EVP_PKEY_derive_set_peer");
                    if ((int) DERIVE.invokeExact(context, out, length) != 1
                            || length.get(ValueLayout.JAVA_LONG, 0) != KEY_BYTES) {
                        // A peer value of small order gives the all-zero secret, which OpenSSL refuses
                        // (RFC 7748 §6.1; RFC 8446 §7.4.2 says to abort).
                        throw new TlsFatalAlert(AlertDescription.illegal_parameter);
                    }
                    return crypto.createSecret(out.toArray(ValueLayout.JAVA_BYTE));
                } finally {
                    CTX_FREE.invokeExact(context);
                    FREE.invokeExact(peer);
                    FREE.invokeExact(key);
                    Arrays.fill(privateKey, (byte) 0);
                }
            } catch (IOException e) {
                throw e;
            } catch (Throwable t) {
                throw new TlsFatalAlert(AlertDescription.internal_error, t);
            }
        }

        private MemorySegment privateKey(Arena arena) throws Throwable {
            final MemorySegment key = (MemorySegment) NEW_PRIVATE.invokeExact(
                    EVP_PKEY_X25519, MemorySegment.NULL, bytes(arena, privateKey), (long) KEY_BYTES);
            check(!key.equals(MemorySegment.NULL), "EVP_PKEY_new_raw_private_key");
            return key;
        }
    }

    private static MemorySegment bytes(Arena arena, byte[] value) {
        final MemorySegment segment = arena.allocate(value.length);
        MemorySegment.copy(value, 0, segment, ValueLayout.JAVA_BYTE, 0, value.length);
        return segment;
    }

    private static void check(boolean ok, String call) throws IOException {
        if (!ok) {
            throw new TlsFatalAlert(AlertDescription.internal_error, new IllegalStateException(call + " failed"));
        }
    }
}
