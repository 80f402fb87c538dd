namespace Partnumber.Client.Testing;

/// <summary>Placeholder; the fake server is being built.</summary>
public sealed class FakePartnumberServer
{
}
