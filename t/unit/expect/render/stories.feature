Feature: Todo app <script>&|

  Goals:
  - Let people keep track of their tasks
  - Share projects with a team

  @US-1 @must
  Scenario: create a task with a title and a due date (1)
    # As a user, I want to create a task with a title and a due date, so that I remember what to do.
    Given a signed-in user
    When they create a task without a title
    Then the task is refused with a message

  @US-1 @must
  Scenario: create a task with a title and a due date (2)
    # As a user, I want to create a task with a title and a due date, so that I remember what to do.
    Given a signed-in user
    When they pick a due date in the past
    Then the task is refused

  @US-2 @should
  Scenario: share a project with a team member
    # As a team lead, I want to share a project with a team member.
    Given a project owned by the lead
    When the lead shares it with a member
    Then the member sees the project in their *own* list
