namespace AgentGateway.Infrastructure;

/// <summary>
/// An <see cref="IProgress{T}"/> that handles each report at once, on the reporting thread: for work that runs on the
/// pipeline thread, where a cmdlet may write (<see cref="Progress{T}"/> would post to a synchronization context, or
/// to the thread pool when there is none, where a cmdlet must not write).
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
