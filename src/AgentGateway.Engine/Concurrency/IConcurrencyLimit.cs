namespace AgentGateway.Engine.Concurrency;

/// <summary>
/// How many items of an <see cref="OrderedWindow{TInput, TResult}"/> may run at once right now, besides the window's
/// own <see cref="OrderedWindow{TInput, TResult}.Limit"/>: asked before every start, so a limiter that learns a server
/// is busy (a 429, a Retry-After) can shrink the number of calls in flight between two starts and let it grow again.
/// Shrinking never cancels what runs; the window only starts nothing new until enough have ended.
/// </summary>
internal interface IConcurrencyLimit
{
    /// <summary>How many items may run at once now; anything below 1 counts as 1 (a window always makes progress).</summary>
    int Current { get; }
}
