namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// Keeps the memory of large answers near what the calls hold. An answer of a megabyte or more is one array on the
/// large object heap, which only a full collection frees; a batch whose results are dropped as they come (piped to
/// Out-Null) would leave dozens of them for the garbage collector, which waits long before a full collection when
/// memory is plentiful. The arrays are counted as they are taken (<see cref="McpMessageSegments"/>), not when their
/// answers end: calls that start as earlier results are written (a batch's window) then ask for the collection that
/// frees those results while they read, not after. Once arrays of twice the response size limit were taken since
/// the last one, a background (non-blocking) full collection is asked for.
/// </summary>
internal static class LargeAnswers
{
    /// <summary>The smallest array counted (smaller ones are collected cheaply and often anyway).</summary>
    public const long Threshold = 1024 * 1024;

    private static long s_bytesSinceCollection;

    /// <summary>An array of <paramref name="bytes"/> was taken for an answer under a response size limit of <paramref name="limit"/> bytes.</summary>
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
