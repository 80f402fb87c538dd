namespace Partnumber.Client.Testing.Tests.Support;

/// <summary>
/// Waits for internal state that has no awaitable signal (for example a long-poll parked on a session). Checks every few
/// milliseconds and fails the test, naming the condition, when it never holds; it never asserts on how long it took.
/// </summary>
public static class Until
{
    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Never happened: " + what);
            }

            await Task.Delay(5);
        }
    }
}
