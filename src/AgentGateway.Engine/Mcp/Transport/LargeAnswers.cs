namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// Keeps the memory of large answers near what the calls hold. An answer of a megabyte or more is one array on the
/// large object heap, which only a full collection frees; a batch whose results are dropped as they come (piped to
/// Out-Null) would leave dozens of them for the garbage collector, which waits long before a full collection when
/// memory is plentiful. Once answers of twice the response size limit have been read since the last one, a
/// background (non-blocking) full collection is asked for.
/// </summary>
internal static class LargeAnswers
{
    /// <summary>The smallest answer counted (smaller ones are collected cheaply and often anyway).</summary>
    public const long Threshold = 1024 * 1024;

    private static long s_bytesSinceCollection;

    /// <summary>An answer of <paramref name="bytes"/> was read under a response size limit of <paramref name="limit"/> bytes.</summary>
    public static void Noted(long bytes, long limit)
    {
        if (bytes < Threshold)
        {
            return;
        }

        if (Interlocked.Add(ref s_bytesSinceCollection, bytes) >= 2 * Math.Max(limit, Threshold))
        {
            Interlocked.Exchange(ref s_bytesSinceCollection, 0);
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);
        }
    }
}
