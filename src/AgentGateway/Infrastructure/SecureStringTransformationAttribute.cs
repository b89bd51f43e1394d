using System.Management.Automation;
using System.Net;
using System.Security;

namespace AgentGateway.Infrastructure;

/// <summary>Lets a SecureString parameter take a PSCredential (its password) or a plain string too, for convenience; neither is ever echoed.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value switch
        {
            null => null,
            SecureString secure => secure,
            string plain => new NetworkCredential(string.Empty, plain).SecurePassword,
            PSCredential credential => credential.Password,
            _ => throw new ArgumentTransformationMetadataException("Pass a SecureString (Read-Host -AsSecureString, Get-Secret), a PSCredential (its password) or a string."),
        };
    }

    /// <summary>The plain text of a SecureString, for the engine; null stays null.</summary>
    internal static string? Reveal(SecureString? secure) =>
        secure is null ? null : new NetworkCredential(string.Empty, secure).Password;
}
