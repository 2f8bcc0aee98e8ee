package dev.atlas.server.lane;

import dev.atlas.server.ring.RxSlot;

/**
 * Where a lane hands each received frame: in the server this is the protocol input
 * ({@code FrameInput::onFrame}), in the middlebox a forwarder. Must not keep the slot after returning.
 */
@FunctionalInterface
public interface FrameSink {
    /** Consumes one frame; returns a work count (0 when the frame was dropped without work). */
    int onFrame(RxSlot slot, long nowNanos);
}
