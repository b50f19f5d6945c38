import Testing
@testable import Directives
