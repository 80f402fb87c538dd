namespace Partnumber.Client.Testing.Tests;

public class PlaceholderTests
{
    [Fact]
    public void Project_builds() => Assert.Equal(4, 2 + 2);
}
