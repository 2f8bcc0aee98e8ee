/**
 * {@code ./atlas bench diskmap}: random O_DIRECT reads through NvmeDevice and a transport, against
 * fio's io_uring engine on the same image at the same queue depths. Uses diskmap-java and runs fio.
 */
package dev.atlas.bench.diskmap;
