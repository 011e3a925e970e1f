"""One module (+ .kv) per screen. Screens talk to the App's services, never to each other.

SCREENS lists them in the order the App adds them; the first is the home screen.
"""

SCREENS = (
    ("home", "screens.home", "HomeScreen"),
    ("categories", "screens.categories", "CategoriesScreen"),
    ("contact", "screens.contact", "ContactScreen"),
    ("confirm", "screens.confirm", "ConfirmScreen"),
    ("receipt", "screens.receipt", "ReceiptScreen"),
    ("status", "screens.status", "StatusScreen"),
    ("admin", "screens.admin", "AdminScreen"),
    ("lessons", "screens.lessons", "LessonsScreen"),
    ("lesson", "screens.lesson", "LessonScreen"),
    ("class", "screens.class_mode", "ClassScreen"),
    ("voice", "screens.voice", "VoiceScreen"),
)
