using System.Buffers;

namespace AgentGateway.Engine.Mcp.Transport;

/// <summary>
/// A message's bytes while it arrives, then handed over whole (<see cref="Detach"/>) without a second copy of a large
/// one. A small message goes to pooled chunks and is copied once into an array of exactly its size. With a known
/// length, that array is there from the start. A message that grows past <see cref="LargeThreshold"/> moves into one
/// uninitialized array with room for the whole response size limit (up to <see cref="LargeCapacity"/> at first):
/// its pages become memory only as they are written, so it costs what the message holds, and the message is handed
/// over in that array, not copied out of chunks into another (which held it twice at the end of each large answer).
/// </summary>
internal sealed class McpMessageSegments
{
    /// <summary>Past this many bytes a message moves out of the pooled chunks into one array.</summary>
    internal const int LargeThreshold = 1024 * 1024;

    /// <summary>The most room one array is given at first, whatever the limit; past it, room grows fourfold.</summary>
    internal const int LargeCapacity = 64 * 1024 * 1024;

    private const int ChunkSize = 64 * 1024;
    private readonly List<byte[]> _chunks = [];
    private readonly long _limit;
    private byte[]? _array;
    private int _lastUsed;

    /// <param name="expected">The announced length, if any: one array of that size from the start.</param>
    /// <param name="limit">The most the message may hold (the response size limit): the room a large message is given.</param>
    public McpMessageSegments(long? expected, long limit)
    {
        _limit = limit > 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit));
        _array = expected is > 0 and <= int.MaxValue ? Allocate((int)expected.Value) : null;
    }

    public long Length { get; private set; }

    /// <summary>The room of the one array the bytes are in (0 while they are in chunks).</summary>
    internal int Capacity => _array?.Length ?? 0;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        var needed = Length + data.Length;
        if (_array is null && needed <= LargeThreshold)
        {
            AppendToChunks(data);
            return;
        }

        if (_array is null || needed > _array.Length)
        {
            MoveTo(Allocate(NewCapacity(needed, _array?.Length ?? 0, _limit)));
        }

        data.CopyTo(_array.AsSpan((int)Length));
        Length = needed;
    }

    /// <summary>
    /// The bytes, handed over (this is empty after): the array they are in when they fill more than half of it, else a
    /// copy of exactly their length (the chunks go back to the pool).
    /// </summary>
    public ReadOnlyMemory<byte> Detach()
    {
        ReadOnlyMemory<byte> result;
        if (_array is not null && Length > _array.Length / 2)
        {
            result = _array.AsMemory(0, (int)Length);
            _array = null;
        }
        else
        {
            var copy = GC.AllocateUninitializedArray<byte>(checked((int)Length));
            var offset = 0;
            foreach (var memory in Spans())
            {
                memory.Span.CopyTo(copy.AsSpan(offset));
                offset += memory.Length;
            }

            result = copy;
        }

        Clear();
        return result;
    }

    /// <summary>Writes the bytes, each line feed replaced by <paramref name="separator"/>.</summary>
    public void WriteLinesTo(IBufferWriter<byte> output, ReadOnlySpan<byte> separator)
    {
        foreach (var memory in Spans())
        {
            WriteLines(output, memory.Span, separator);
        }
    }

    public void Clear()
    {
        ReturnChunks();
        _array = null;
        Length = 0;
    }

    /// <summary>Writes <paramref name="bytes"/>, each line feed replaced by <paramref name="separator"/>.</summary>
    internal static void WriteLines(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> separator)
    {
        while (bytes.IndexOf((byte)'\n') is var lf and >= 0)
        {
            output.Write(bytes[..lf]);
            output.Write(separator);
            bytes = bytes[(lf + 1)..];
        }

        output.Write(bytes);
    }

    /// <summary>
    /// The room of the array for <paramref name="needed"/> bytes, <paramref name="current"/> the room there is (0 for
    /// none): the limit, at first at most <see cref="LargeCapacity"/>, then four times the room, at most the limit;
    /// never less than needed.
    /// </summary>
    internal static int NewCapacity(long needed, long current, long limit)
    {
        var wanted = current < LargeCapacity ? LargeCapacity : current * 4;
        var capacity = Math.Max(needed, Math.Min(wanted, limit));
        return capacity <= Array.MaxLength ? (int)capacity : throw new InsufficientMemoryException($"A message of {needed} bytes cannot be held in one array.");
    }

    /// <summary>An array for the message, uninitialized; a large one counted by <see cref="LargeAnswers"/> as it is taken.</summary>
    private byte[] Allocate(int length)
    {
        LargeAnswers.Noted(length, _limit);
        return GC.AllocateUninitializedArray<byte>(length);
    }

    private void AppendToChunks(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_chunks.Count == 0 || _lastUsed == ChunkSize)
            {
                _chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
                _lastUsed = 0;
            }

            var n = Math.Min(ChunkSize - _lastUsed, data.Length);
            data[..n].CopyTo(_chunks[^1].AsSpan(_lastUsed));
            _lastUsed += n;
            Length += n;
            data = data[n..];
        }
    }

    /// <summary>Moves what there is (in the chunks or the array) into <paramref name="array"/>; the chunks go back to the pool.</summary>
    private void MoveTo(byte[] array)
    {
        var offset = 0;
        foreach (var memory in Spans())
        {
            memory.Span.CopyTo(array.AsSpan(offset));
            offset += memory.Length;
        }

        ReturnChunks();
        _array = array;
    }

    private void ReturnChunks()
    {
        foreach (var chunk in _chunks)
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        _chunks.Clear();
        _lastUsed = 0;
    }

    private IEnumerable<ReadOnlyMemory<byte>> Spans()
    {
        if (_array is not null)
        {
            yield return _array.AsMemory(0, (int)Length);
            yield break;
        }

        for (var i = 0; i < _chunks.Count; i++)
        {
            yield return _chunks[i].AsMemory(0, i == _chunks.Count - 1 ? _lastUsed : ChunkSize);
        }
    }
}
